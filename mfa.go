package redazione

// MFARequirement is who in an ente must have a second factor.
type MFARequirement string

// Who must have a second factor: nobody (each user may still enrol one),
// administrators and coordinators, or everyone.
const (
	MFAOptional   MFARequirement = ""
	MFAPrivileged MFARequirement = "privileged"
	MFAEveryone   MFARequirement = "all"
)

// Valid tells whether r is one of the requirements.
func (r MFARequirement) Valid() bool {
	return r == MFAOptional || r == MFAPrivileged || r == MFAEveryone
}

// MFAPolicy is an ente's policy on the second factor, set by an
// administrator.
type MFAPolicy struct {
	Required MFARequirement
	// SSOProviderFactor: a sign-in through single sign-on relies on the
	// identity provider's own second factor, and asks for none here.
	SSOProviderFactor bool
}

// Requires tells whether u must have a second factor before using
// Redazione.
func (p MFAPolicy) Requires(u *User) bool {
	switch p.Required {
	case MFAEveryone:
		return true
	case MFAPrivileged:
		return u.Role == RoleAdmin || u.Role == RoleCoordinator
	}
	return false
}

// SecondFactorStep decides what a sign-in that passed its first step
// (via "password" or "sso") needs before a session opens: "verify" (the
// user has a factor: ask for it), "enrol" (the policy requires one and
// the user has none: enrol it before anything else) or "" (nothing).
func (p MFAPolicy) SecondFactorStep(u *User, hasFactor bool, via string) string {
	if via == "sso" && p.SSOProviderFactor {
		return ""
	}
	if hasFactor {
		return "verify"
	}
	if p.Requires(u) {
		return "enrol"
	}
	return ""
}
