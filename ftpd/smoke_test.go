package ftpd

import "testing"

func TestSmoke(t *testing.T) {
	ts := startServer(t, "127.0.0.1", nil)
	c := dialCtrl(t, ts.addr)
	t.Log(c.reply())
	c.login("huawei", "Huawei@123")
	t.Log(c.cmd("PWD"))
	data, a, b := c.list("LIST")
	t.Logf("%q %q %q", data, a, b)
	got, a, b := c.retr("vrpcfg.zip")
	t.Logf("%q %q %q", got, a, b)
	a, b = c.stor("STOR", "x.txt", []byte("a\nb\n"))
	t.Logf("%q %q", a, b)
	t.Log(c.cmd("HELP"))
	t.Log(c.cmd("FEAT"))
	t.Log(c.cmd("QUIT"))
}
