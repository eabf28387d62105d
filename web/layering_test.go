package web_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
)

// storeWrite names the store methods that change data: web calls them
// through a service (inbox.Service, settings.Service, auth.Sessions), which
// publishes the event that keeps the other screens fresh where one shows
// the change live.
var storeWrite = []string{"Add", "Answer", "Acknowledge", "Apply", "Approve", "Audit", "Cancel", "Change", "Clear",
	"Create", "Delete", "Drop", "Erase", "Hide", "Ingest", "Mark", "Merge", "Notify", "Publish", "Record",
	"Remove", "Rename", "Revoke", "Save", "Separate", "Set", "Submit", "Update"}

// storeReads are the store methods named like a write that only read.
var storeReads = map[string]bool{"AuditLog": true, "AuditAnchors": true, "AuditHead": true, "VerifyAudit": true, "MergeCandidates": true, "PublishingSettings": true}

// writeExceptions are the store writes web may still call directly, each
// with why no service stands in between. None is left: conversations and
// the office's work go through inbox.Service, the administration settings
// through settings.Service, signing in through auth.Sessions. The list may
// only shrink: an entry no handler calls any more fails the test too.
var writeExceptions = map[string]string{}

// narrowReads are the handler files that read through a small interface
// declared beside them, satisfied by *store.DB: the file's whole use of
// the store is listed there, so they call s.DB for nothing else. A file
// not listed reads nothing from the store; server.go alone calls s.DB, for
// the readiness check, and hands it to the interfaces.
var narrowReads = map[string]string{
	"access.go":          "accessDB()",
	"admin.go":           "adminDB()",
	"answers.go":         "answerDB()",
	"oncall.go":          "onCallDB()",
	"playbooks.go":       "playbookDB()",
	"policies.go":        "policyDB()",
	"privacy.go":         "privacyDB()",
	"reports.go":         "statsDB()",
	"rules.go":           "ruleDB()",
	"sla.go":             "slaDB()",
	"surveys.go":         "surveyDB()",
	"servicerequests.go": "reportDB()",
	"posts.go":           "postDB()",
	"crisis.go":          "postDB()",
	"inbox.go":           "conversationDB()",
	"bulk.go":            "bulkDB()",
	"snooze.go":          "bulkDB()",
	"auth.go":            "signInDB()",
	"tokens.go":          "tokenDB()",
	"api.go":             "apiDB()",
	"email.go":           "emailDB()",
	"widget.go":          "widgetDB()",
	"widget_files.go":    "widgetDB()",
	"widget_upload.go":   "widgetDB()",
	"open311.go":         "open311DB()",
	"attachments.go":     "attachmentDB()",
	"uploads.go":         "attachmentDB()",
	"audit.go":           "auditDB()",
	"opendata.go":        "openDataDB()",
	"password.go":        "passwordDB()",
	"mfa.go":             "mfaDB()",
	"mfa_login.go":       "pendingDB()",
	"mfa_admin.go":       "mfaAdminDB()",
	"sso.go":             "ssoDB()",
	"sessions.go":        "sessionDB()",
	"appio.go":           "appioDB()",
	"publicimages.go":    "publicImageDB()",
	"x.go":               "xDB()",
}

// Handlers write through services, not through the store: a service
// changes the data and tells the screens in one place. Web publishes no
// event itself either.
func TestHandlersWriteThroughServices(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	used := map[string]bool{}
	var bad []string
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			recv, ok := sel.X.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			method, pos := sel.Sel.Name, fset.Position(call.Pos())
			switch {
			case recv.Sel.Name == "Bus" && method == "Publish":
				bad = append(bad, pos.String()+": publishes an event by hand; a service publishes it with the change")
			case recv.Sel.Name == "DB" && isStoreWrite(method):
				if _, ok := writeExceptions[method]; ok {
					used[method] = true
					return true
				}
				bad = append(bad, pos.String()+": calls the store's "+method+" directly; call a service that writes and tells the screens")
			case recv.Sel.Name == "DB" && narrowReads[name] != "":
				bad = append(bad, pos.String()+": reads "+method+" through s.DB; read through s."+narrowReads[name]+", adding the method to its interface")
			case recv.Sel.Name == "DB" && name != "server.go":
				bad = append(bad, pos.String()+": reads "+method+" through s.DB; declare a small interface of what the file reads beside its handlers, satisfied by *store.DB, and list it in narrowReads")
			}
			return true
		})
	}
	for _, b := range bad {
		t.Error(b)
	}
	var stale []string
	for m := range writeExceptions {
		if !used[m] {
			stale = append(stale, m)
		}
	}
	sort.Strings(stale)
	for _, m := range stale {
		t.Errorf("%s is listed as an exception but web no longer calls it: remove it from writeExceptions", m)
	}
}

func isStoreWrite(method string) bool {
	if storeReads[method] {
		return false
	}
	return slices.ContainsFunc(storeWrite, func(p string) bool { return strings.HasPrefix(method, p) })
}
