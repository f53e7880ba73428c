package lab

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

const instrDevices = "devices:\n  - {sysname: R1, address: 127.0.1.1}\n  - {sysname: R2, address: 127.0.1.2}\n"

func TestInstructorSection(t *testing.T) {
	text := instrDevices + `instructor:
  password: "$argon2id$v=19$m=65536,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA"
  checks:
    - name: "R2 has user huawei with ftp-directory flash:"
      devices: [R2]
      user: huawei
      ftp-directory: "flash:"
    - name: a binary transfer from R1 to R2 succeeded in passive mode
      devices: [r1]
      transfer: {to: R2, mode: passive, type: binary}
    - name: FTP server on
      ftp-server: enabled
`
	f, err := Parse("lab.yaml", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	want := Instructor{
		PasswordHash: "$argon2id$v=19$m=65536,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		Line:         5,
		Checks: []Check{
			{Name: "R2 has user huawei with ftp-directory flash:", Devices: []string{"R2"}, User: "huawei", FTPDirectory: "flash:", Line: 7},
			{Name: "a binary transfer from R1 to R2 succeeded in passive mode", Devices: []string{"r1"}, Transfer: &TransferCheck{To: "R2", Mode: "passive", Type: "binary"}, Line: 11},
			{Name: "FTP server on", FTPServer: "enabled", Line: 14},
		},
	}
	if diff := cmp.Diff(want, f.Instructor); diff != "" {
		t.Errorf("instructor section (-want +got):\n%s", diff)
	}
}

func TestInstructorSectionErrors(t *testing.T) {
	for _, tc := range []struct{ name, text, want string }{
		{"plain password", "instructor:\n  password: secret\n", `lab.yaml:2: instructor: password must be an argon2id hash ($argon2id$v=19$m=...,t=...,p=...$SALT$HASH), never the password itself`},
		{"unknown", "instructor:\n  pasword: x\n", `lab.yaml:2: instructor: unknown setting "pasword" (want password or checks)`},
		{"no name", "instructor:\n  checks:\n    - {user: a}\n", `lab.yaml:3: check 1 has no name`},
		{"two kinds", "instructor:\n  checks:\n    - {name: x, user: a, ftp-server: enabled}\n", `lab.yaml:3: check "x" needs exactly one of user, transfer and ftp-server`},
		{"none", "instructor:\n  checks:\n    - {name: x}\n", `lab.yaml:3: check "x" needs exactly one of user, transfer and ftp-server`},
		{"bad mode", "instructor:\n  checks:\n    - {name: x, transfer: {mode: fast}}\n", `lab.yaml:3: check 1: transfer: mode "fast" is neither passive nor active`},
		{"bad server", "instructor:\n  checks:\n    - {name: x, ftp-server: on}\n", `lab.yaml:3: check 1: ftp-server: "on" is neither enabled nor disabled`},
		{"dir without user", "instructor:\n  checks:\n    - {name: x, ftp-directory: 'flash:', ftp-server: enabled}\n", `lab.yaml:3: check "x": ftp-directory needs user`},
		{"unknown device", "instructor:\n  checks:\n    - {name: x, devices: [R9], ftp-server: enabled}\n", `lab.yaml:3: check "x": no device R9 in the lab`},
		{"unknown target", "instructor:\n  checks:\n    - {name: x, transfer: {to: R7}}\n", `lab.yaml:3: check "x": no device R7 in the lab`},
	} {
		_, err := Parse("lab.yaml", []byte(tc.text+instrDevices))
		got := "<nil>"
		if err != nil {
			got = err.Error()
		}
		if got != tc.want {
			t.Errorf("%s: got %s\nwant %s", tc.name, got, tc.want)
		}
	}
}
