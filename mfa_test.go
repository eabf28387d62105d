package redazione

import "testing"

// What a sign-in needs after its first step, by policy, role, factor and
// way in.
func TestSecondFactorStep(t *testing.T) {
	admin, op := &User{Role: RoleAdmin}, &User{Role: RoleOperator}
	for _, tc := range []struct {
		p    MFAPolicy
		u    *User
		has  bool
		via  string
		want string
	}{
		{MFAPolicy{}, op, false, "password", ""},
		{MFAPolicy{}, op, true, "password", "verify"},
		{MFAPolicy{Required: MFAPrivileged}, op, false, "password", ""},
		{MFAPolicy{Required: MFAPrivileged}, admin, false, "password", "enrol"},
		{MFAPolicy{Required: MFAPrivileged}, &User{Role: RoleCoordinator}, false, "password", "enrol"},
		{MFAPolicy{Required: MFAEveryone}, op, false, "password", "enrol"},
		{MFAPolicy{Required: MFAEveryone}, op, true, "sso", "verify"},
		{MFAPolicy{Required: MFAEveryone, SSOProviderFactor: true}, op, true, "sso", ""},
		{MFAPolicy{Required: MFAEveryone, SSOProviderFactor: true}, op, false, "sso", ""},
		{MFAPolicy{Required: MFAEveryone, SSOProviderFactor: true}, op, true, "password", "verify"},
	} {
		if got := tc.p.SecondFactorStep(tc.u, tc.has, tc.via); got != tc.want {
			t.Errorf("%+v, %s, factor %v, via %s: %q, want %q", tc.p, tc.u.Role, tc.has, tc.via, got, tc.want)
		}
	}
	if MFARequirement("qualcuno").Valid() {
		t.Error("an unknown requirement is valid")
	}
}
