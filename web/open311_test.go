package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/auth"
	"github.com/redazione/redazione/internal/testdb"
	"github.com/redazione/redazione/store"
)

// get311 calls the Open311 API and returns the status and the body.
func get311(t *testing.T, method, u string, form url.Values) (int, []byte) {
	t.Helper()
	var resp *http.Response
	var err error
	if method == "POST" {
		resp, err = http.PostForm(u, form)
	} else {
		resp, err = http.Get(u)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	ct := resp.Header.Get("Content-Type")
	if strings.Contains(u, ".json") && ct != "application/json; charset=utf-8" || strings.Contains(u, ".xml") && ct != "text/xml; charset=utf-8" {
		t.Errorf("%s: Content-Type %q", u, ct)
	}
	return resp.StatusCode, b
}

// schema validates JSON against an official Open311 schema (testdata).
func schema(t *testing.T, name string, body []byte) {
	t.Helper()
	path, _ := filepath.Abs(filepath.Join("testdata", "open311", "schema", name))
	sch, err := jsonschema.NewCompiler().Compile(path)
	if err != nil {
		t.Fatal(err)
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("%s: not JSON: %v\n%s", name, err, body)
	}
	if err := sch.Validate(v); err != nil {
		t.Errorf("answer does not match the official schema %s: %v\n%s", name, err, body)
	}
}

// xmlShape returns the element paths of an XML document, without repeats:
// what an XML client navigates.
func xmlShape(t *testing.T, doc []byte) []string {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(doc))
	var stack, out []string
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("XML: %v\n%s", err, doc)
		}
		switch x := tok.(type) {
		case xml.StartElement:
			stack = append(stack, x.Name.Local)
			p := strings.Join(stack, "/")
			if !slices.Contains(out, p) {
				out = append(out, p)
			}
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		}
	}
	slices.Sort(out)
	return out
}

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "open311", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// An Open311 client posts the specification's own example request, then
// reads it back: the answers have the specification's shape (XML) and pass
// the official JSON schemas, and never show who reported.
func TestOpen311WithTheSpecificationsExamples(t *testing.T) {
	t.Parallel()
	e := run(t, testdb.Open(t, store.SQLite))
	ctx := context.Background()
	// The examples' jurisdiction and service code.
	ente := e.newEnte("city.gov", "Comune di Esempio")
	desks, _ := e.db.Desks(ctx, ente.ID)
	admin := e.newUser(ente, redazione.RoleAdmin)
	sys := redazione.ActorOf(admin)
	if err := e.db.SaveService(ctx, sys, &store.Service{Code: "001", Name: "Buche e voragini", Group: "Strade", DeskID: desks[0].ID, Active: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.db.CreateOpen311Key(ctx, sys, "App di prova", auth.HashToken("xyz")); err != nil {
		t.Fatal(err)
	}
	base := e.srv.URL + "/open311/city.gov/v2/"

	// The example POST, byte for byte.
	raw := string(fixture(t, "post_request.http"))
	_, body, _ := strings.Cut(raw, "\n\n")
	form, err := url.ParseQuery(strings.TrimSpace(body))
	if err != nil {
		t.Fatal(err)
	}
	code, out := get311(t, "POST", base+"requests.xml", form)
	if code != 200 {
		t.Fatalf("POST requests.xml: %d\n%s", code, out)
	}
	if got, want := xmlShape(t, out), xmlShape(t, fixture(t, "post_request_response.xml")); !slices.Equal(got, want) {
		t.Errorf("POST answer elements %v, the specification's %v", got, want)
	}
	var created struct {
		Requests []struct {
			ID        string `xml:"service_request_id"`
			AccountID string `xml:"account_id"`
		} `xml:"request"`
	}
	if err := xml.Unmarshal(out, &created); err != nil || len(created.Requests) != 1 || created.Requests[0].ID == "" || created.Requests[0].AccountID != "123456" {
		t.Fatalf("created: %+v, %v\n%s", created, err, out)
	}
	id := created.Requests[0].ID
	form.Set("description", "Un'altra voragine")
	code, out = get311(t, "POST", base+"requests.json", form)
	var createdJSON []map[string]any
	if code != 200 || json.Unmarshal(out, &createdJSON) != nil || len(createdJSON) != 1 || createdJSON[0]["service_request_id"] == "" {
		t.Errorf("POST requests.json: %d %s", code, out)
	}

	// Reading it back.
	code, out = get311(t, "GET", base+"requests.json", nil)
	if code != 200 {
		t.Fatalf("GET requests.json: %d %s", code, out)
	}
	schema(t, "requests.json", out)
	var list []map[string]any
	json.Unmarshal(out, &list)
	if len(list) != 2 || list[1]["service_request_id"] != id || list[1]["description"] != "A large sinkhole is destroying the street" ||
		list[1]["lat"] != 37.76524078 || list[1]["address"] != "1234 5th street" || list[1]["status"] != "open" || list[1]["service_name"] != "Buche e voragini" {
		t.Errorf("requests: %s", out)
	}
	for _, secret := range []string{"smit333", "john", "smith", "111111111", "tt222111"} {
		if bytes.Contains(out, []byte(secret)) {
			t.Errorf("the public list shows %q", secret)
		}
	}
	code, out = get311(t, "GET", base+"requests.xml", nil)
	if code != 200 {
		t.Fatalf("GET requests.xml: %d", code)
	}
	// Every element we send is one the specification's example has.
	spec := xmlShape(t, fixture(t, "requests.xml"))
	for _, p := range xmlShape(t, out) {
		if !slices.Contains(spec, p) {
			t.Errorf("requests.xml has %s, which the specification does not", p)
		}
	}
	code, out = get311(t, "GET", base+"requests/"+id+".json", nil)
	if code != 200 {
		t.Fatalf("GET requests/%s.json: %d", id, code)
	}
	schema(t, "requests.json", out)
	code, out = get311(t, "GET", base+"services.json", nil)
	schema(t, "services.json", out)
	if code != 200 || !bytes.Contains(out, []byte(`"service_code":"001"`)) {
		t.Errorf("services.json: %d %s", code, out)
	}
	if _, out = get311(t, "GET", base+"services.xml", nil); !slices.Equal(xmlShape(t, out), xmlShape(t, fixture(t, "services.xml"))) {
		t.Errorf("services.xml elements %v, the specification's %v", xmlShape(t, out), xmlShape(t, fixture(t, "services.xml")))
	}
	code, out = get311(t, "GET", base+"services/001.json", nil)
	schema(t, "service-definition.json", out)
	if code != 200 {
		t.Errorf("services/001.json: %d", code)
	}
	code, out = get311(t, "GET", base+"discovery.json", nil)
	var disc map[string]any
	json.Unmarshal(out, &disc)
	var specDisc map[string]any
	json.Unmarshal(fixture(t, "discovery.json"), &specDisc)
	for k := range specDisc {
		if _, ok := disc[k]; !ok {
			t.Errorf("discovery.json lacks %q", k)
		}
	}
	if code != 200 || !strings.Contains(string(out), "/open311/city.gov/v2") {
		t.Errorf("discovery: %d %s", code, out)
	}

	// Errors, in the specification's format: nothing is filed.
	errCases := []struct {
		name, method, path string
		form               url.Values
		status             int
	}{
		{"wrong api_key", "POST", "requests.json", with(form, "api_key", "abc"), 403},
		{"no api_key", "POST", "requests.xml", with(form, "api_key", ""), 403},
		{"unknown service", "POST", "requests.json", with(form, "service_code", "999"), 404},
		{"no place", "POST", "requests.json", with(with(with(form, "lat", ""), "long", ""), "address_string", ""), 400},
		{"HTML description", "POST", "requests.json", with(form, "description", "<b>buca</b>"), 400},
		{"bad latitude", "POST", "requests.json", with(form, "lat", "nord"), 400},
		{"another jurisdiction", "POST", "requests.json", with(form, "jurisdiction_id", "altro.gov"), 404},
		{"more than 90 days", "GET", "requests.json?start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z", nil, 400},
		{"bad date", "GET", "requests.json?start_date=ieri", nil, 400},
		{"unknown request", "GET", "requests/999999.json", nil, 404},
		{"unknown service definition", "GET", "services/999.json", nil, 404},
		{"token", "GET", "tokens/abc.json", nil, 404},
		{"unknown ente", "GET", "../../nessuno/v2/services.json", nil, 404},
	}
	for _, c := range errCases {
		u := base + c.path
		if strings.HasPrefix(c.path, "../../") {
			u = e.srv.URL + "/open311/" + strings.TrimPrefix(c.path, "../../")
		}
		code, out := get311(t, c.method, u, c.form)
		var errs []struct {
			Code        int    `json:"code"`
			Description string `json:"description"`
		}
		if code != c.status {
			t.Errorf("%s: %d, want %d (%s)", c.name, code, c.status, out)
			continue
		}
		if strings.Contains(c.path, ".json") {
			if err := json.Unmarshal(out, &errs); err != nil || len(errs) != 1 || errs[0].Code != c.status || errs[0].Description == "" {
				t.Errorf("%s: error body %s", c.name, out)
			}
		} else if !slices.Equal(xmlShape(t, out), xmlShape(t, fixture(t, "errors.xml"))) {
			t.Errorf("%s: error elements %v", c.name, xmlShape(t, out))
		}
	}
	if rs, _ := e.db.ServiceRequests(ctx, redazione.SystemActor(ente.ID), store.ServiceRequestFilter{}); len(rs) != 2 {
		t.Errorf("%d reports filed, want the 2 valid ones", len(rs))
	}
}

func with(v url.Values, k, val string) url.Values {
	c := url.Values{}
	for key, vs := range v {
		c[key] = slices.Clone(vs)
	}
	c.Set(k, val)
	return c
}

// Hostile posts get a clear 4xx in the specification's format and file
// nothing: bodies too large, not a form, invalid UTF-8, NUL bytes, markup.
func TestOpen311HostileInput(t *testing.T) {
	t.Parallel()
	e := start(t, testdb.Open(t, store.SQLite))
	admin := e.newUser(e.ente, redazione.RoleAdmin)
	if _, err := e.db.CreateOpen311Key(context.Background(), redazione.ActorOf(admin), "App", auth.HashToken("key-1")); err != nil {
		t.Fatal(err)
	}
	u := e.srv.URL + "/open311/comune-a/v2/requests.json"
	ok := "api_key=key-1&service_code=strade&address_string=Via+Po&description="
	for name, body := range map[string]string{
		"over 64 KiB":           ok + strings.Repeat("a", 70<<10),
		"invalid UTF-8":         ok + "%ff%fe%fd",
		"NUL byte":              ok + "buca%00nascosta",
		"script":                ok + "%3Cscript%3Ealert(1)%3C%2Fscript%3E",
		"not a form":            "\x00\x01\x02{json: true}",
		"latitude NaN":          "api_key=key-1&service_code=strade&lat=NaN&long=12",
		"latitude infinite":     "api_key=key-1&service_code=strade&lat=Inf&long=12",
		"media javascript":      ok + "x&media_url=javascript%3Aalert(1)",
		"address too long":      "api_key=key-1&service_code=strade&address_string=" + strings.Repeat("v", 400),
		"key in the query only": "service_code=strade&address_string=Via+Po",
	} {
		req, _ := http.NewRequest("POST", u+"?api_key=key-1", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var errs []map[string]any
		if resp.StatusCode < 400 || resp.StatusCode >= 500 || json.Unmarshal(raw, &errs) != nil || len(errs) == 0 || errs[0]["description"] == "" {
			t.Errorf("%s: %d %s", name, resp.StatusCode, raw)
		}
	}
	if rs, _ := e.db.ServiceRequests(context.Background(), redazione.SystemActor(e.ente.ID), store.ServiceRequestFilter{}); len(rs) != 0 {
		t.Errorf("hostile posts filed %d reports", len(rs))
	}
}
