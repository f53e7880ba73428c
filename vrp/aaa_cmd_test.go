package vrp

import (
	"strings"
	"testing"
)

// caretAt is the caret line the device prints under word in line (prompt
// and command as the screen shows them).
func caretAt(line, word string) string {
	return strings.Repeat(" ", strings.LastIndex(line, word)) + "^"
}

// TestAAALimits: the CLI takes what the AAA database takes, up to its
// limits, and refuses a value beyond them as a wrong parameter; a local user
// with access-limit 100000 printed a Go error.
func TestAAALimits(t *testing.T) {
	d := newTestDevice(t, nil)
	long := strings.Repeat("n", 64)
	tooMany := "[Huawei-aaa]local-user " + long + " access-limit 100000"
	tooShort := "[Huawei-aaa]local-aaa-user wrong-password retry-interval 4 retry-time 3 block-time 5"
	checkTranscript(t, d, `<Huawei>system-view
Enter system view, return user view with Ctrl+Z.
[Huawei]aaa
[Huawei-aaa]local-user `+long+` password cipher `+strings.Repeat("p", 128)+`
Info: Add a new user.
[Huawei-aaa]local-user `+long+` privilege level 15
Info: After you change the rights (including the password, access type, FTP directory, and level) of a local user, the rights of users already online do not change. The change takes effect to users who go online after the change.
[Huawei-aaa]local-user `+long+` access-limit 65535
`+tooMany+`
`+caretAt(tooMany, "100000")+`
Error: Wrong parameter found at '^' position.
[Huawei-aaa]local-user `+long+` idle-timeout 35791 59
[Huawei-aaa]local-aaa-user wrong-password retry-interval 65535 retry-time 65535 block-time 65535
[Huawei-aaa]local-aaa-user wrong-password retry-interval 5 retry-time 3 block-time 5
`+tooShort+`
`+caretAt(tooShort, "4")+`
Error: Wrong parameter found at '^' position.
[Huawei-aaa]display this | include `+long+`
 local-user `+long+` password cipher %$%$<cipher>
 local-user `+long+` privilege level 15
 local-user `+long+` access-limit 65535
 local-user `+long+` idle-timeout 35791 59
[Huawei-aaa]
`)
}
