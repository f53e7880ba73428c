package aaa

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestLoginCache: a password that logged in is checked without the KDF for
// the cache's lifetime, and only that password, for that hash, on an account
// that may still log in. The hashing slots are all taken while the checks
// run, with a canceled context: a login that needs the KDF is refused as
// canceled, one served by the cache goes through.
func TestLoginCache(t *testing.T) {
	db, clk, _ := newTestDB(t)
	addUser(t, db, "huawei", "Huawei@123", ServiceFTP|ServiceSSH)
	addUser(t, db, "other", "Other@123", ServiceFTP)
	if _, err := db.Authenticate("huawei", "Huawei@123", ServiceFTP, testSource); err != nil {
		t.Fatal(err)
	}

	// noKDF tries a login while no hash can run.
	noKDF := func(name, password string, svc Service) string {
		t.Helper()
		for i := 0; i < cap(db.sem); i++ {
			db.sem <- struct{}{}
		}
		defer func() {
			for i := 0; i < cap(db.sem); i++ {
				<-db.sem
			}
		}()
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := db.AuthenticateContext(ctx, Attempt{Name: name, Password: password, Service: svc, Source: testSource})
		return reason(err)
	}
	type step struct {
		what string
		do   func()
		name string
		pw   string
		svc  Service
		want string
	}
	steps := []step{
		{"the same password again", nil, "huawei", "Huawei@123", ServiceFTP, "ok"},
		{"for another service of the user", nil, "huawei", "Huawei@123", ServiceSSH, "ok"},
		// Refused for another reason, the right password still takes the
		// KDF, as every refusal does: the answer must not come sooner than
		// for a wrong password.
		{"a service the user lacks", nil, "huawei", "Huawei@123", ServiceTelnet, ReasonCanceled},
		{"a wrong password", nil, "huawei", "Huawei@12", ServiceFTP, ReasonCanceled},
		{"another user never logged in", nil, "other", "Other@123", ServiceFTP, ReasonCanceled},
		{"an unknown user", nil, "nobody", "Huawei@123", ServiceFTP, ReasonCanceled},
		// A blocked account is refused after the KDF ran, as before the cache.
		{"blocked", func() { db.Update("huawei", func(u *User) error { u.SetState(StateBlock); return nil }) },
			"huawei", "Huawei@123", ServiceFTP, ReasonCanceled},
		{"active again", func() { db.Update("huawei", func(u *User) error { u.SetState(StateActive); return nil }) },
			"huawei", "Huawei@123", ServiceFTP, "ok"},
		{"9 minutes later", func() { clk.Advance(9 * time.Minute) }, "huawei", "Huawei@123", ServiceFTP, "ok"},
		{"11 minutes after the KDF", func() { clk.Advance(2 * time.Minute) }, "huawei", "Huawei@123", ServiceFTP, ReasonCanceled},
	}
	var got, want []string
	for _, s := range steps {
		if s.do != nil {
			s.do()
		}
		got = append(got, s.what+": "+noKDF(s.name, s.pw, s.svc))
		want = append(want, s.what+": "+s.want)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("logins without the KDF (-want +got):\n%s", diff)
	}

	// A login through the KDF fills the cache again; a new password empties it.
	if _, err := db.Authenticate("huawei", "Huawei@123", ServiceFTP, testSource); err != nil {
		t.Fatal(err)
	}
	if r := noKDF("huawei", "Huawei@123", ServiceFTP); r != "ok" {
		t.Errorf("after a fresh login: %s", r)
	}
	if _, err := db.SetPassword("huawei", "Huawei@123", Cipher); err != nil {
		t.Fatal(err)
	}
	if r := noKDF("huawei", "Huawei@123", ServiceFTP); r != ReasonCanceled {
		t.Errorf("after the password was set again: %s, want %s", r, ReasonCanceled)
	}
}

// TestLoginCacheLockout: a lockout refuses the cached password too, and wrong
// passwords still count while a cache entry exists.
func TestLoginCacheLockout(t *testing.T) {
	db, _, _ := newTestDB(t)
	addUser(t, db, "huawei", "Huawei@123", ServiceFTP)
	var got []string
	for _, pw := range []string{"Huawei@123", "bad1", "bad2", "bad3", "Huawei@123"} {
		_, err := db.Authenticate("huawei", pw, ServiceFTP, testSource)
		got = append(got, pw+": "+reason(err))
	}
	want := []string{
		"Huawei@123: ok",
		"bad1: " + ReasonWrongPassword, "bad2: " + ReasonWrongPassword, "bad3: " + ReasonWrongPassword,
		"Huawei@123: " + ReasonLocked,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// TestLoginCacheOff: with a negative LoginCacheTTL every login runs the KDF.
func TestLoginCacheOff(t *testing.T) {
	db := New(Options{KDF: cheapKDF, LoginCacheTTL: -1})
	addUser(t, db, "huawei", "Huawei@123", ServiceFTP)
	if _, err := db.Authenticate("huawei", "Huawei@123", ServiceFTP, testSource); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < cap(db.sem); i++ {
		db.sem <- struct{}{}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := db.AuthenticateContext(ctx, Attempt{Name: "huawei", Password: "Huawei@123", Service: ServiceFTP, Source: testSource})
	if r := reason(err); r != ReasonCanceled {
		t.Errorf("second login with the cache off: %s, want %s", r, ReasonCanceled)
	}
}

// TestLinePassword: a user interface's password is hashed, replays from its
// cipher text, and only the right password matches it.
func TestLinePassword(t *testing.T) {
	db, _, _ := newTestDB(t)
	ct, err := db.LinePassword("Console@123")
	if err != nil {
		t.Fatal(err)
	}
	replayed, err := db.LinePassword(ct)
	if err != nil || replayed != ct {
		t.Fatalf("replay of %q: %q, %v", ct, replayed, err)
	}
	if !strings.HasPrefix(ct, "%$%$") || strings.Contains(ct, "Console@123") {
		t.Errorf("cipher text %q", ct)
	}
	var got []string
	for _, c := range []struct{ ct, pw string }{
		{ct, "Console@123"}, {ct, "Console@12"}, {ct, ""},
		{"%$%$fIn'6>NZ6*~as(#J:WU%,#72Uy8cVlN^NXkT51E%$%$", "Console@123"}, // a real device's
		{"garbage", "garbage"},
	} {
		ok, err := db.CheckLinePassword(context.Background(), c.ct, c.pw)
		got = append(got, fmt.Sprintf("%s: %v %v", c.pw, ok, err))
	}
	want := []string{"Console@123: true <nil>", "Console@12: false <nil>", ": false <nil>",
		"Console@123: false <nil>", "garbage: false <nil>"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	for _, bad := range []string{"", "has space", strings.Repeat("x", MaxPasswordLen+1)} {
		if _, err := db.LinePassword(bad); !errors.Is(err, ErrInvalidPassword) {
			t.Errorf("LinePassword(%q): %v", bad, err)
		}
	}
}
