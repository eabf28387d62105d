// Package web is Redazione's HTTP side: the operators' UI (server-rendered
// html/template with htmx and server-sent events), the JSON API, the signed
// API channel and the citizens' web chat widget.
package web

import (
	"context"
	"log/slog"
	"net/http"
	"net/netip"
	"runtime/debug"
	"time"

	"github.com/redazione/redazione/auth"
	"github.com/redazione/redazione/blob"
	"github.com/redazione/redazione/events"
	"github.com/redazione/redazione/inbox"
	"github.com/redazione/redazione/settings"
	"github.com/redazione/redazione/store"
)

// Config is what the server needs to know about its installation.
type Config struct {
	// SecureCookies marks cookies Secure (set it behind HTTPS).
	SecureCookies bool
	// AccessibilityURL is the ente's dichiarazione di accessibilità (AgID),
	// linked in every page's footer.
	AccessibilityURL string
	// PublicURL is the address citizens and integrations reach (for the
	// widget snippet and webhook URLs); empty means the request's host.
	PublicURL string
	// TrustedProxies are the reverse proxies whose X-Forwarded-For (or
	// Forwarded) tells the client's address (REDAZIONE_TRUSTED_PROXIES).
	TrustedProxies []netip.Prefix
	// Streams caps the server-sent event streams (zero fields: defaults).
	Streams StreamLimits
	// PasswordChecks is how many password checks may run at once
	// (REDAZIONE_PASSWORD_CHECKS); zero: DefaultPasswordChecks(cores).
	PasswordChecks int
	// MetricsToken, when set, opens /metrics on the main address to a
	// Bearer token (REDAZIONE_METRICS_TOKEN).
	MetricsToken string
	// SSOTimeout bounds each call to an ente's identity provider
	// (discovery, keys, token); zero: 10 seconds.
	SSOTimeout time.Duration
}

// Server serves every HTTP route.
type Server struct {
	DB    *store.DB
	Inbox *inbox.Service
	// Settings writes the administration settings, Sessions what signing
	// in changes; New makes both over db.
	Settings *settings.Service
	Sessions *auth.Sessions
	Bus      events.Bus
	Log      *slog.Logger
	Config   Config
	// Blobs keeps the files citizens send; nil serves none.
	Blobs *blob.Store
	// Metrics serves the Prometheus metrics at /metrics, behind
	// Config.MetricsToken; nil serves none.
	Metrics http.Handler

	pages *pages
	// widgetLimit allows each address a burst of web chat messages, then
	// one every few seconds, so that a script cannot flood the inbox.
	widgetLimit *limiter
	// widgetFileLimit allows each address a few files, then one a minute.
	widgetFileLimit *limiter
	// reportLimit allows each address a few reports from the public form,
	// then one every ten minutes.
	reportLimit *limiter
	// guard limits password sign-in (see login).
	guard *loginGuard
	// ssoLimit allows each address a burst of single sign-on requests, then
	// one a second: each calls the ente's provider.
	ssoLimit *limiter
	// presenceLimit bounds how often one operator may announce presence
	// (every screen does it every 20 s and when writing starts or stops).
	presenceLimit *limiter
	// publicStreams counts the widget's event streams by client address,
	// operatorStreams the operators' by user: separate pools, so that
	// citizens cannot take the operators' streams.
	publicStreams, operatorStreams *streamPool
	// streamIdle ends a stream that has sent no event for this long.
	streamIdle time.Duration
	// ready turns true once the server can take traffic.
	ready func() bool
}

// New returns a server; templates are parsed once here.
func New(db *store.DB, ib *inbox.Service, bus events.Bus, log *slog.Logger, cfg Config) (*Server, error) {
	p, err := loadPages()
	if err != nil {
		return nil, err
	}
	cfg.Streams = cfg.Streams.withDefaults()
	if cfg.SSOTimeout <= 0 {
		cfg.SSOTimeout = ssoTimeout
	}
	return &Server{DB: db, Inbox: ib, Settings: &settings.Service{DB: db, Bus: bus}, Sessions: &auth.Sessions{DB: db}, Bus: bus, Log: log, Config: cfg, pages: p, ready: func() bool { return true },
		widgetLimit: newLimiter(10, 3*time.Second), widgetFileLimit: newLimiter(5, time.Minute), reportLimit: newLimiter(5, 10*time.Minute), guard: newLoginGuard(cfg.PasswordChecks), ssoLimit: newLimiter(40, time.Second), presenceLimit: newLimiter(30, time.Second),
		publicStreams:   newStreamPool(cfg.Streams.PerAddress, cfg.Streams.Public),
		operatorStreams: newStreamPool(cfg.Streams.PerUser, cfg.Streams.Operators),
		streamIdle:      cfg.Streams.Idle}, nil
}

// Handler returns the whole HTTP handler with its middleware.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	s.routes(mux)
	var h http.Handler = mux
	h = s.securityHeaders(h)
	h = s.recoverer(h)
	h = s.requestID(h)
	h = s.clientAddress(h)
	return h
}

// routes lists every route of Redazione in one place.
func (s *Server) routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /metrics", s.metricsEndpoint)
	mux.Handle("GET /static/", staticHandler())
	// Browsers ask for /favicon.ico whatever the page says.
	mux.HandleFunc("GET /favicon.ico", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, assetURL("favicon.svg"), http.StatusMovedPermanently)
	})

	// Operators' UI.
	mux.HandleFunc("GET /{$}", s.user(s.home))
	mux.HandleFunc("GET /login", s.loginPage)
	mux.HandleFunc("POST /login", s.login)
	mux.HandleFunc("GET "+secondFactorPath, s.pending(s.secondFactorPage))
	mux.HandleFunc("POST "+secondFactorPath, s.pending(s.verifyCode("totp")))
	mux.HandleFunc("POST "+secondFactorPath+"/recupero", s.pending(s.verifyCode("recovery")))
	mux.HandleFunc("POST "+secondFactorPath+"/passkey/inizio", s.pending(s.beginPasskeyLogin))
	mux.HandleFunc("POST "+secondFactorPath+"/passkey", s.pending(s.finishPasskeyLogin))
	mux.HandleFunc("POST "+secondFactorPath+"/annulla", s.pending(s.cancelSecondFactor))
	mux.HandleFunc("GET /login/sso/{ente}", s.ssoStart)
	mux.HandleFunc("GET "+ssoCallbackPath, s.ssoCallback)
	mux.HandleFunc("GET /admin/sso", s.admin(s.ssoPage))
	mux.HandleFunc("POST /admin/sso", s.admin(s.saveSSO))
	mux.HandleFunc("POST /admin/sso/off", s.admin(s.ssoOff))
	mux.HandleFunc("POST /logout", s.user(s.logout))
	mux.HandleFunc("POST /lang", s.setLang)
	mux.HandleFunc("GET /inbox", s.user(s.inboxPage))
	mux.HandleFunc("GET /conversations/{id}", s.user(s.conversationPage))
	mux.HandleFunc("GET /attachments/{id}", s.user(s.attachment))
	mux.HandleFunc("POST /conversations/{id}/messages", s.user(s.postMessage))
	mux.HandleFunc("GET /conversations/{id}/messages/{mid}/html", s.user(s.emailHTML))
	mux.HandleFunc("POST /conversations/{id}/assign", s.user(s.assign))
	mux.HandleFunc("POST /conversations/{id}/desk", s.user(s.moveDesk))
	mux.HandleFunc("POST /conversations/{id}/status", s.user(s.setStatus))
	mux.HandleFunc("POST /conversations/{id}/snooze", s.user(s.snoozeConversation))
	mux.HandleFunc("POST /inbox/bulk", s.user(s.bulkConfirm))
	mux.HandleFunc("POST /inbox/bulk/apply", s.user(s.bulkApply))
	mux.HandleFunc("POST /conversations/{id}/priority", s.user(s.setPriority))
	mux.HandleFunc("POST /conversations/{id}/flags/{flag}/clear", s.user(s.clearFlag))
	mux.HandleFunc("POST /conversations/{id}/tags", s.user(s.addTag))
	mux.HandleFunc("POST /conversations/{id}/tags/remove", s.user(s.removeTag))
	mux.HandleFunc("POST /conversations/{id}/private", s.user(s.replyPrivately))
	mux.HandleFunc("POST /conversations/{id}/messages/{message}/hide", s.user(s.hideComment))
	mux.HandleFunc("GET /search", s.user(s.searchPage))
	mux.HandleFunc("GET /events", s.user(s.operatorEvents))
	mux.HandleFunc("GET /notifications", s.user(s.notificationsPage))
	mux.HandleFunc("GET /menzioni", s.user(s.mentionsPage))
	mux.HandleFunc("GET /conversations/{id}/colleghi", s.user(s.colleagues))
	mux.HandleFunc("POST /conversations/{id}/presence", s.user(s.presence))
	mux.HandleFunc("POST /notifications/read", s.user(s.readNotifications))

	// Administration.
	mux.HandleFunc("GET /admin/users", s.admin(s.usersPage))
	mux.HandleFunc("POST /admin/users", s.admin(s.createUser))
	mux.HandleFunc("POST /admin/users/{id}", s.admin(s.updateUser))
	mux.HandleFunc("POST /admin/users/{id}/password-link", s.admin(s.sendPasswordLink))
	mux.HandleFunc("POST /admin/users/{id}/reset-factors", s.admin(s.resetFactors))
	mux.HandleFunc("GET /admin/sicurezza", s.admin(s.mfaPolicyPage))
	mux.HandleFunc("POST /admin/sicurezza", s.admin(s.saveMFAPolicy))
	mux.HandleFunc("GET /me/sicurezza", s.user(s.securityPage))
	mux.HandleFunc("POST /me/sicurezza/totp", s.user(s.startTOTP))
	mux.HandleFunc("POST /me/sicurezza/totp/conferma", s.user(s.confirmTOTP))
	mux.HandleFunc("POST /me/sicurezza/totp/rimuovi", s.user(s.removeTOTP))
	mux.HandleFunc("POST /me/sicurezza/passkey/inizio", s.user(s.beginPasskey))
	mux.HandleFunc("POST /me/sicurezza/passkey", s.user(s.finishPasskey))
	mux.HandleFunc("POST /me/sicurezza/passkey/{id}/rimuovi", s.user(s.removePasskey))
	mux.HandleFunc("POST /me/sicurezza/recupero", s.user(s.regenerateRecovery))
	mux.HandleFunc("POST /admin/users/{id}/sessions/end", s.admin(s.endUserSessions))
	mux.HandleFunc("GET /me/password", s.user(s.myPasswordPage))
	mux.HandleFunc("POST /me/password", s.user(s.changeMyPassword))
	mux.HandleFunc("GET /reimposta/{token}", s.resetPage)
	mux.HandleFunc("POST /reimposta/{token}", s.resetPassword)
	mux.HandleFunc("GET /admin/channels", s.admin(s.channelsPage))
	mux.HandleFunc("POST /admin/channels", s.admin(s.createChannel))
	mux.HandleFunc("POST /admin/channels/{id}", s.admin(s.updateChannel))
	mux.HandleFunc("POST /admin/channels/{id}/settings", s.admin(s.updateChannelSettings))
	mux.HandleFunc("POST /admin/channels/{id}/telegram-webhook", s.admin(s.registerTelegramWebhook))
	mux.HandleFunc("GET /admin/channels/{id}/x", s.admin(s.xPage))
	mux.HandleFunc("POST /admin/channels/{id}/x/accedi", s.admin(s.xSignIn))
	mux.HandleFunc("GET "+xCallbackPath, s.admin(s.xCallback))
	mux.HandleFunc("GET /admin/desks", s.admin(s.desksPage))
	mux.HandleFunc("POST /admin/desks/{id}", s.admin(s.renameDesk))
	mux.HandleFunc("GET /admin/audit", s.user(s.auditPage))
	mux.HandleFunc("GET /admin/audit/ancore.csv", s.admin(s.auditAnchorsCSV))
	mux.HandleFunc("POST /hooks/telegram/{id}", s.telegramHook)
	mux.HandleFunc("GET /hooks/meta/{id}", s.metaVerify)
	mux.HandleFunc("POST /hooks/meta/{id}", s.metaHook)
	mux.HandleFunc("GET /valuta/{token}", s.surveyPage)
	mux.HandleFunc("POST /valuta/{token}", s.answerSurvey)
	mux.HandleFunc("POST /admin/surveys", s.admin(s.setSurveys))
	mux.HandleFunc("GET /reports", s.user(s.reportsPage))
	mux.HandleFunc("GET /reports.csv", s.user(s.reportsCSV))
	mux.HandleFunc("GET /playbooks", s.user(s.playbooksPage))
	mux.HandleFunc("POST /playbooks/{situation}", s.user(s.savePlaybook))
	mux.HandleFunc("POST /conversations/{id}/situation", s.user(s.markSituation))
	mux.HandleFunc("GET /contacts/{id}/export", s.user(s.exportContact))
	mux.HandleFunc("POST /contacts/{id}/erase", s.admin(s.eraseContact))
	mux.HandleFunc("GET /admin/privacy", s.admin(s.privacyPage))
	mux.HandleFunc("POST /admin/privacy", s.admin(s.savePrivacy))
	mux.HandleFunc("GET /open311/{ente}/v2/{file}", s.open311Get)
	mux.HandleFunc("POST /open311/{ente}/v2/{file}", s.open311Post)
	mux.HandleFunc("GET /open311/{ente}/v2/services/{file}", s.open311Service)
	mux.HandleFunc("GET /open311/{ente}/v2/requests/{file}", s.open311Request)
	mux.HandleFunc("GET /open311/{ente}/v2/tokens/{file}", s.open311Token)
	mux.HandleFunc("GET /pubblicazioni", s.user(s.postsPage))
	mux.HandleFunc("GET /pubblicazioni/nuova", s.user(s.newPostPage))
	mux.HandleFunc("GET /pubblicazioni/calendario", s.user(s.calendarPostsPage))
	mux.HandleFunc("GET /pubblicazioni/{id}/immagine", s.user(s.postImagePage))
	mux.HandleFunc("GET /pubblico/immagini/{token}", s.publicImage)
	mux.HandleFunc("POST /pubblicazioni", s.user(s.savePost))
	mux.HandleFunc("GET /pubblicazioni/{id}", s.user(s.postPage))
	mux.HandleFunc("POST /pubblicazioni/{id}", s.user(s.savePost))
	mux.HandleFunc("POST /pubblicazioni/{id}/invia", s.user(s.submitPost))
	mux.HandleFunc("POST /pubblicazioni/{id}/approva", s.user(s.approvePost))
	mux.HandleFunc("POST /pubblicazioni/{id}/annulla", s.user(s.cancelPost))
	mux.HandleFunc("GET /policy", s.user(s.policyPage))
	mux.HandleFunc("POST /policy/conferma", s.user(s.acknowledgePolicy))
	mux.HandleFunc("GET /social-policy/{ente}", s.publicPolicy)
	mux.HandleFunc("GET /opendata/{ente}/servizio.csv", s.openData)
	mux.HandleFunc("GET /admin/policy", s.admin(s.policyAdminPage))
	mux.HandleFunc("POST /admin/policy/responsabili", s.admin(s.setResponsible))
	mux.HandleFunc("POST /admin/policy/{kind}", s.admin(s.publishPolicy))
	mux.HandleFunc("GET /formazione", s.user(s.trainingPage))
	mux.HandleFunc("POST /formazione", s.user(s.addTraining))
	mux.HandleFunc("GET /reperibilita", s.user(s.oncallPage))
	mux.HandleFunc("POST /reperibilita", s.user(s.addShift))
	mux.HandleFunc("POST /reperibilita/picco", s.admin(s.setSpikeRule))
	mux.HandleFunc("POST /reperibilita/{id}/elimina", s.user(s.deleteShift))
	mux.HandleFunc("GET /crisi", s.user(s.crisisPage))
	mux.HandleFunc("GET /crisi/banner", s.user(s.crisisBanner))
	mux.HandleFunc("POST /crisi", s.user(s.setCrisis))
	mux.HandleFunc("POST /crisi/dichiarazioni", s.user(s.saveHoldingStatement))
	mux.HandleFunc("GET /admin/pubblicazioni", s.admin(s.publishingAdminPage))
	mux.HandleFunc("POST /admin/pubblicazioni", s.admin(s.savePublishingAdmin))
	mux.HandleFunc("POST /admin/pubblicazioni/periodi", s.admin(s.addElectoralPeriod))
	mux.HandleFunc("POST /admin/pubblicazioni/periodi/{id}/elimina", s.admin(s.deleteElectoralPeriod))
	mux.HandleFunc("GET /segnala/{ente}", s.publicReportPage)
	mux.HandleFunc("POST /segnala/{ente}", s.publicReportPost)
	mux.HandleFunc("GET /segnala/{ente}/{id}", s.publicReportStatus)
	mux.HandleFunc("GET /segnalazioni", s.user(s.serviceRequestsPage))
	mux.HandleFunc("GET /segnalazioni/nuova", s.user(s.newServiceRequestPage))
	mux.HandleFunc("POST /segnalazioni", s.user(s.createServiceRequestForm))
	mux.HandleFunc("GET /segnalazioni/{id}", s.user(s.serviceRequestPage))
	mux.HandleFunc("POST /segnalazioni/{id}", s.user(s.updateServiceRequestForm))
	mux.HandleFunc("GET /appio/nuovo", s.user(s.appioPage))
	mux.HandleFunc("POST /appio", s.user(s.sendAppIO))
	mux.HandleFunc("GET /admin/segnalazioni", s.admin(s.servicesAdminPage))
	mux.HandleFunc("POST /admin/segnalazioni/servizi", s.admin(s.saveServiceForm))
	mux.HandleFunc("POST /admin/segnalazioni/servizi/{id}", s.admin(s.saveServiceForm))
	mux.HandleFunc("POST /admin/segnalazioni/chiavi", s.admin(s.createOpen311Key))
	mux.HandleFunc("POST /admin/segnalazioni/chiavi/{id}/revoca", s.admin(s.revokeOpen311Key))
	mux.HandleFunc("GET /accessi", s.user(s.accessPage))
	mux.HandleFunc("GET /accessi/nuova", s.user(s.newAccessPage))
	mux.HandleFunc("POST /accessi", s.user(s.createAccess))
	mux.HandleFunc("POST /accessi/pubblicati", s.user(s.publishAccess))
	mux.HandleFunc("GET /accessi/{id}", s.user(s.accessDetail))
	mux.HandleFunc("POST /accessi/{id}", s.user(s.updateAccess))
	mux.HandleFunc("GET /trasparenza/{ente}/accessi", s.publicAccess)
	mux.HandleFunc("GET /trasparenza/{ente}/accessi.csv", s.publicAccess)
	mux.HandleFunc("POST /conversations/{id}/merge", s.user(s.mergeContact))
	mux.HandleFunc("POST /conversations/{id}/separate", s.user(s.separateContact))
	mux.HandleFunc("GET /answers", s.user(s.answersPage))
	mux.HandleFunc("POST /answers", s.user(s.saveAnswer))
	mux.HandleFunc("POST /answers/{id}", s.user(s.saveAnswer))
	mux.HandleFunc("POST /answers/{id}/delete", s.user(s.deleteAnswer))
	mux.HandleFunc("GET /conversations/{id}/answers", s.user(s.conversationAnswers))
	mux.HandleFunc("GET /admin/rules", s.admin(s.rulesPage))
	mux.HandleFunc("POST /admin/rules", s.admin(s.saveRule))
	mux.HandleFunc("POST /admin/rules/{id}/{action}", s.admin(s.ruleAction))
	mux.HandleFunc("POST /admin/desks/{id}/auto", s.admin(s.setAutoAssign))
	mux.HandleFunc("POST /me/availability", s.user(s.setAvailability))
	mux.HandleFunc("GET /me/tokens", s.user(s.tokensPage))
	mux.HandleFunc("POST /me/tokens", s.user(s.createToken))
	mux.HandleFunc("POST /me/tokens/{id}/revoke", s.user(s.revokeToken))
	mux.HandleFunc("GET /me/sessioni", s.user(s.sessionsPage))
	mux.HandleFunc("POST /me/sessioni/{id}/termina", s.user(s.endMySession))
	mux.HandleFunc("POST /me/sessioni/termina-altre", s.user(s.endMyOtherSessions))
	mux.HandleFunc("GET /admin/calendar", s.admin(s.calendarPage))
	mux.HandleFunc("POST /admin/calendar", s.admin(s.saveCalendar))
	mux.HandleFunc("GET /admin/sla", s.admin(s.slaPage))
	mux.HandleFunc("POST /admin/sla", s.admin(s.savePolicy))
	mux.HandleFunc("POST /admin/sla/{id}/delete", s.admin(s.deletePolicy))

	// JSON API for integrations (Bearer token) and the signed API channel.
	mux.HandleFunc("POST /api/v1/channels/{id}/messages", s.apiChannelMessage)
	mux.HandleFunc("GET /api/v1/conversations", s.apiUser(s.apiConversations))
	mux.HandleFunc("GET /api/v1/conversations/{id}", s.apiUser(s.apiConversation))
	mux.HandleFunc("POST /api/v1/conversations/{id}/replies", s.apiUser(s.apiReply))
	mux.HandleFunc("POST /api/v1/conversations/{id}/status", s.apiUser(s.apiStatus))
	mux.HandleFunc("GET /api/v1/attachments/{id}", s.apiUser(s.apiAttachment))

	// Citizens: the web chat widget and its demo page.
	mux.HandleFunc("GET /widget.js", s.widgetScript)
	mux.HandleFunc("GET /demo/{channel}", s.widgetDemo)
	mux.HandleFunc("POST "+DemoCallbackPath, s.demoCallback)
	mux.HandleFunc("POST "+DemoBotAPIPath+"/{bot}/{method}", s.demoBotAPI)
	mux.HandleFunc("OPTIONS /widget/v1/{channel}/", s.widgetPreflight)
	mux.HandleFunc("GET /widget/v1/{channel}/config", s.widgetConfig)
	mux.HandleFunc("POST /widget/v1/{channel}/messages", s.widgetPost)
	mux.HandleFunc("GET /widget/v1/{channel}/messages", s.widgetMessages)
	mux.HandleFunc("GET /widget/v1/{channel}/events", s.widgetEvents)
	mux.HandleFunc("GET /widget/v1/{channel}/attachments/{id}", s.widgetAttachment)
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if _, err := s.DB.Entes(ctx); err != nil || !s.ready() {
		http.Error(w, "not ready", http.StatusServiceUnavailable)
		return
	}
	w.Write([]byte("ok\n"))
}

func (s *Server) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.Log.ErrorContext(r.Context(), "panic", "path", r.URL.Path, "panic", v, "stack", string(debug.Stack()))
				http.Error(w, "Errore interno.", http.StatusInternalServerError)
			}
		}()
		next.ServeHTTP(w, r)
	})
}

func (s *Server) securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		if s.Config.SecureCookies {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		if !isWidgetPath(r.URL.Path) {
			h.Set("X-Frame-Options", "DENY")
			h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; font-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'self'")
		}
		next.ServeHTTP(w, r)
	})
}
