// Package vrp is the simulated Huawei VRP device: its running configuration,
// its CLI sessions (views, privilege, pager) and the commands that configure
// local users, the SSH server, the FTP server and move files on flash.
//
// A Device is independent of every other: many can run in one process. Front
// ends (packages vrp/sshd and vrp/telnetd, the console) authenticate a user,
// open a Session and feed it lines.
//
// # Where a new VRP command goes
//
// Each feature has a model file and a command file: ftpserver.go and
// ftpserver_cmd.go, acl.go and acl_cmd.go, ui.go and ui_cmd.go (user
// interfaces), ssh.go and ssh_cmd.go, ftpclient.go and ftpclient_cmd.go,
// system.go and system_cmd.go (sysname, views), platform.go and
// platform_cmd.go (the device model, Profile, and its hardware displays),
// interface.go and interface_cmd.go (the interfaces and their addresses,
// a model only: the device listens on none of them); aaa_cmd.go (its model is
// package aaa), file_cmd.go (its model is package flash), savecfg_cmd.go
// (save, startup; the startup files are kept by startup.go) and log_cmd.go
// (the log is log.go). A new command is one row of its feature's command
// table in the _cmd.go file, with a named handler next to it; what it
// changes or reads is a method of the model file, which alone takes the
// device's lock. Every keyword needs help, in commands.go or the command's
// Words: the grammar refuses one without. A configuration command also
// renders its line in the model file's section renderer and gets a line in
// the round-trip fixture of config_test.go, which a test checks. A new view
// is a row of the view table (views.go), which gives its prompt, its "?"
// title, whether return leaves it and what display this shows in it.
// Displays that belong to no one feature are in display_cmd.go. config.go
// holds only the order of the configuration's sections, their assembly and
// the replay of a configuration text; commands.go the keyword help and the
// parameter types shared by features.
package vrp
