package ftpd

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/vrpsim/vrpsim/flash"
)

// fixedTime is the clock of the flash in the reply tests.
var fixedTime = time.Date(2026, 9, 19, 13, 34, 0, 0, time.UTC)

// startFixedServer is startServer with a flash whose files carry fixedTime and a
// server whose "now" is in the same year.
func startFixedServer(t *testing.T, mod func(*Config)) *testServer {
	t.Helper()
	return startServer(t, "127.0.0.1", func(c *Config) {
		fs := flash.NewMemory(flash.Options{Capacity: 1 << 20, Clock: func() time.Time { return fixedTime }})
		for _, d := range []string{"flash:/test"} {
			if err := fs.Mkdir(d); err != nil {
				t.Fatal(err)
			}
		}
		putFile(t, fs, "flash:/vrpcfg.zip", []byte("config\n"))
		putFile(t, fs, "flash:/test/inner.txt", []byte("inner\n"))
		c.FS = fs
		c.Now = func() time.Time { return fixedTime.Add(time.Hour) }
		if mod != nil {
			mod(c)
		}
	})
}

type exchange struct {
	send, want string
}

// TestReplies checks the exact reply to every command, in order, including errors
// and commands out of sequence.
func TestReplies(t *testing.T) {
	help := "214-The following commands are recognized (Commands marked with '*' are unimplemented).\n" +
		"USER PASS ACCT CWD CDUP SMNT* QUIT REIN*\n" +
		"PORT PASV TYPE STRU MODE RETR STOR STOU\n" +
		"APPE ALLO REST RNFR RNTO ABOR DELE RMD\n" +
		"MKD PWD LIST NLST SITE SYST STAT HELP\n" +
		"NOOP XCUP XCWD XMKD XPWD XRMD EPRT EPSV\n" +
		"FEAT\n" +
		"214 Direct comments to Huawei Tech."
	tests := []struct {
		name   string
		dialog []exchange
	}{{
		name: "before login",
		dialog: []exchange{
			{"RETR vrpcfg.zip", "530 Please login with USER and PASS."},
			{"CWD test", "530 Please login with USER and PASS."},
			{"RNTO x", "530 Please login with USER and PASS."},
			{"PASS secret", "503 Login with USER first."},
			{"SYST", "215 UNIX Type: L8"},
			{"NOOP", "200 NOOP command successful."},
			{"HELP", help},
			{"HELP cdup", "214 Syntax: CDUP <change to parent directory>."},
			{"HELP REIN", "214 Syntax: REIN (unimplemented)."},
			{"HELP BOGUS", "502 Unknown command BOGUS."},
			{"FEAT", "211-Extension Supported\n EPRT\n EPSV\n MDTM\n MLST type*;size*;modify*;perm*;\n REST STREAM\n SIZE\n TVFS\n UTF8\n211 End"},
			{"OPTS UTF8 ON", "200 UTF8 mode enabled."},
			{"FOO", "500 'FOO': command not understood."},
			{"SMNT /", "502 Command not implemented."},
			{"REIN", "502 Command not implemented."},
			{"", "500 Syntax error, command unrecognized."},
			{"ABCDE x", "500 Syntax error, command unrecognized."},
			{"USER", "501 Syntax error in parameters or arguments."},
			{"USER nosuchuser", "331 Password required for nosuchuser."},
			{"PASS whatever", "530 Login incorrect."},
			{"USER huawei", "331 Password required for huawei."},
			{"PASS wrong", "530 Login incorrect."},
			{"USER huawei", "331 Password required for huawei."},
			{"PASS Huawei@123", "230 User logged in."},
			{"USER other", "530 Can't change to another user."},
			{"PASS again", "503 Already logged in."},
			{"QUIT", "221 Server closing."},
		},
	}, {
		name: "navigation",
		dialog: []exchange{
			{"USER huawei", "331 Password required for huawei."},
			{"PASS Huawei@123", "230 User logged in."},
			{"PWD", `257 "/" is current directory.`},
			{"CWD test", "250 CWD command successfully."},
			{"PWD", `257 "/test" is current directory.`},
			{"CDUP", "200 CDUP command successfully."},
			{"CDUP", "200 CDUP command successfully."},
			{"PWD", `257 "/" is current directory.`},
			{"CWD ../../..", "250 CWD command successfully."},
			{"PWD", `257 "/" is current directory.`},
			{"CWD nosuch", "550 nosuch: No such file or directory."},
			{"CWD vrpcfg.zip", "550 vrpcfg.zip: Not a directory."},
			{"XCWD /TEST", "250 CWD command successfully."},
			{"XPWD", `257 "/TEST" is current directory.`},
			{"XCUP", "200 CDUP command successfully."},
			{"CDUP x", "501 Syntax error in parameters or arguments."},
			{"PWD x", "501 Syntax error in parameters or arguments."},
			{"CWD", "250 CWD command successfully."},
		},
	}, {
		name: "file management",
		dialog: []exchange{
			{"USER huawei", "331 Password required for huawei."},
			{"PASS Huawei@123", "230 User logged in."},
			{"MKD newdir", `257 "newdir" new directory created.`},
			{"MKD NEWDIR", "550 NEWDIR: File exists."},
			{"MKD a/b", "550 a/b: No such file or directory."},
			{"MKD bad:name", "553 bad:name: File name not allowed."},
			{`MKD say"hi`, "553 say\"hi: File name not allowed."},
			{"XMKD x", `257 "x" new directory created.`},
			{"XRMD x", "250 RMD command successfully."},
			{"RMD newdir", "250 RMD command successfully."},
			{"RMD newdir", "550 newdir: No such file or directory."},
			{"RMD test", "550 test: Directory not empty."},
			{"RMD /", "550 /: Permission denied."},
			{"RMD vrpcfg.zip", "550 vrpcfg.zip: Not a directory."},
			{"SIZE vrpcfg.zip", "213 7"},
			{"SIZE test", "550 test: not a regular file."},
			{"SIZE nosuch", "550 nosuch: No such file or directory."},
			{"MDTM vrpcfg.zip", "213 20260919133400"},
			{"MLST vrpcfg.zip", "250-Listing /vrpcfg.zip\n type=file;size=7;modify=20260919133400;perm=adfrw; /vrpcfg.zip\n250 End."},
			{"MLST", "250-Listing /\n type=dir;modify=20260919133400;perm=cdeflmp; /\n250 End."},
			{"OPTS MLST type;size;", "200 MLST OPTS type;size;"},
			{"MLST test/inner.txt", "250-Listing /test/inner.txt\n type=file;size=6; /test/inner.txt\n250 End."},
			{"OPTS MLST", "200 MLST OPTS "},
			{"OPTS BOGUS", "501 Option not understood."},
			{"RNTO x", "503 Bad sequence of commands."},
			{"RNFR nosuch", "550 nosuch: No such file or directory."},
			{"RNFR vrpcfg.zip", "350 File exists, ready for destination name."},
			{"NOOP", "200 NOOP command successful."},
			{"RNTO renamed.zip", "503 Bad sequence of commands."},
			{"RNFR vrpcfg.zip", "350 File exists, ready for destination name."},
			{"RNTO test", "550 test: File exists."},
			{"RNFR vrpcfg.zip", "350 File exists, ready for destination name."},
			{"RNTO renamed.zip", "250 Rename successful."},
			{"SIZE renamed.zip", "213 7"},
			{"DELE renamed.zip", "250 DELE command successfully."},
			{"DELE renamed.zip", "550 renamed.zip: No such file or directory."},
			{"DELE test", "550 test: Is a directory."},
			{"DELE", "501 Syntax error in parameters or arguments."},
			{"ALLO 1000", "202 ALLO command ignored."},
			{"ACCT acme", "202 Command not implemented, superfluous at this site."},
			{"ABOR", "225 No transfer to abort."},
			{"SITE HELP", "214-The following SITE commands are recognized.\nHELP\n214 Direct comments to Huawei Tech."},
			{"SITE CHMOD 755 x", "500 'SITE CHMOD': command not understood."},
		},
	}, {
		name: "transfer parameters",
		dialog: []exchange{
			{"USER huawei", "331 Password required for huawei."},
			{"PASS Huawei@123", "230 User logged in."},
			{"RETR vrpcfg.zip", "425 Use PORT or PASV first."},
			{"STOR x", "425 Use PORT or PASV first."},
			{"LIST", "425 Use PORT or PASV first."},
			{"RETR nosuch", "550 nosuch: No such file or directory."},
			{"RETR test", "550 test: Is a directory."},
			{"STOR test", "550 test: Is a directory."},
			{"STOR nodir/x", "550 nodir/x: No such file or directory."},
			{"TYPE I", "200 Type set to I."},
			{"TYPE a", "200 Type set to A."},
			{"TYPE L 8", "200 Type set to I."},
			{"TYPE A N", "200 Type set to A."},
			{"TYPE E", "504 Command not implemented for that parameter."},
			{"TYPE L 7", "504 Command not implemented for that parameter."},
			{"TYPE X", "501 Syntax error in parameters or arguments."},
			{"STRU F", "200 Structure set to F."},
			{"STRU R", "504 Command not implemented for that parameter."},
			{"STRU Q", "501 Syntax error in parameters or arguments."},
			{"MODE S", "200 Mode set to S."},
			{"MODE B", "504 Command not implemented for that parameter."},
			{"MODE Z", "501 Syntax error in parameters or arguments."},
			{"REST 5", "350 Restarting at 5. Send STORE or RETRIEVE to initiate transfer."},
			{"REST -1", "501 Syntax error in parameters or arguments."},
			{"REST abc", "501 Syntax error in parameters or arguments."},
			{"REST 100", "350 Restarting at 100. Send STORE or RETRIEVE to initiate transfer."},
			{"RETR vrpcfg.zip", "554 Requested action not taken: invalid REST parameter."},
			{"PORT 127,0,0,1,4,1", "200 Port command okay."},
			{"PORT 127,0,0,2,4,1", "500 Illegal PORT command."},
			{"PORT 127,0,0,1,0,21", "500 Illegal PORT command."},
			{"PORT 1,2,3", "501 Syntax error in parameters or arguments."},
			{"PORT 127,0,0,1,4,256", "501 Syntax error in parameters or arguments."},
			{"EPRT |1|127.0.0.1|1025|", "200 EPRT command successful."},
			{"EPRT |1|127.0.0.2|1025|", "500 Illegal EPRT command."},
			{"EPRT |2|::1|1025|", "522 Network protocol not supported, use (1)"},
			{"EPRT |3|x|1|", "522 Network protocol not supported, use (1)"},
			{"EPRT |1|127.0.0.1|0|", "501 Syntax error in parameters or arguments."},
			{"EPRT 1|127.0.0.1|1025", "501 Syntax error in parameters or arguments."},
			{"EPSV 2", "522 Network protocol not supported, use (1)"},
			{"EPSV 3", "522 Network protocol not supported, use (1)"},
			{"EPSV X", "501 Syntax error in parameters or arguments."},
			{"EPSV ALL", "200 EPSV ALL command successful."},
			{"PASV", "503 EPSV ALL in effect: PASV not allowed."},
			{"PORT 127,0,0,1,4,1", "503 EPSV ALL in effect: PORT not allowed."},
			{"QUIT", "221 Server closing."},
		},
	}, {
		name: "read-only user",
		dialog: []exchange{
			{"USER reader", "331 Password required for reader."},
			{"PASS reader", "230 User logged in."},
			{"STOR x", "550 Permission denied."},
			{"APPE x", "550 Permission denied."},
			{"DELE vrpcfg.zip", "550 Permission denied."},
			{"MKD d", "550 Permission denied."},
			{"RMD test", "550 Permission denied."},
			{"RNFR vrpcfg.zip", "550 Permission denied."},
			{"MLST vrpcfg.zip", "250-Listing /vrpcfg.zip\n type=file;size=7;modify=20260919133400;perm=r; /vrpcfg.zip\n250 End."},
		},
	}, {
		name: "refused logins",
		dialog: []exchange{
			{"USER low", "331 Password required for low."},
			{"PASS low", "530 Login incorrect."},
			{"USER nodir", "331 Password required for nodir."},
			{"PASS nodir", "530 Login incorrect."},
			{"USER test", "331 Password required for test."},
			{"PASS test", "230 User logged in."},
			{"PWD", `257 "/" is current directory.`},
			{"SIZE inner.txt", "213 6"},
			{"SIZE ../vrpcfg.zip", "550 ../vrpcfg.zip: No such file or directory."},
			{"SIZE /../../vrpcfg.zip", "550 /../../vrpcfg.zip: No such file or directory."},
			{"SIZE flash:/vrpcfg.zip", "553 flash:/vrpcfg.zip: File name not allowed."},
			{"CWD ..", "250 CWD command successfully."},
			{"PWD", `257 "/" is current directory.`},
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := startFixedServer(t, nil)
			c := dialCtrl(t, ts.addr)
			if got := c.reply(); got != "220 FTP service ready." {
				t.Fatalf("banner %q", got)
			}
			var got, want []string
			for _, ex := range tt.dialog {
				want = append(want, ex.send+" -> "+ex.want)
				got = append(got, ex.send+" -> "+c.cmd(ex.send))
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("dialog (-want +got):\n%s", diff)
			}
		})
	}
}

func TestLineErrors(t *testing.T) {
	ts := startFixedServer(t, nil)
	c := dialCtrl(t, ts.addr)
	c.reply()
	var got []string
	c.send(strings.Repeat("A", MaxLineLength+100))
	got = append(got, c.reply())
	c.send("CWD \xc3\x28")
	got = append(got, c.reply())
	c.send("NOOP\x00x")
	got = append(got, c.reply())
	// Telnet IP and Synch before a command, as ftplib's abort sends them (the DM
	// byte travels out of band and is not in the stream).
	c.send("\xff\xf4\xffNOOP")
	got = append(got, c.reply())
	c.send("\xff\xfb\x01NOOP") // IAC WILL ECHO
	got = append(got, c.reply())
	c.conn.Write([]byte("SYST\n")) // bare LF
	got = append(got, c.reply())
	want := []string{
		"500 Command line too long.",
		"501 Invalid character in command line.",
		"501 Invalid character in command line.",
		"200 NOOP command successful.",
		"200 NOOP command successful.",
		"215 UNIX Type: L8",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("replies (-want +got):\n%s", diff)
	}
}
