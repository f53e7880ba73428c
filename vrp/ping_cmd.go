package vrp

import (
	"context"
	"net"
	"net/netip"

	"github.com/vrpsim/vrpsim/vrp/cli"
)

func pingCommands() []*command {
	params := map[string]*cli.Param{
		"host":  cli.String(1, 255, "IP address or host name of the destination"),
		"count": cli.Integer(1, 4294967295, "Number of echo requests to send"),
	}
	words := map[string]string{"ping": "Check whether a host is reachable", "-c": "Set the number of echo requests"}
	return []*command{
		{Views: userView, Syntax: "ping [ -c <count> ] <host>", Level: 0, Params: params, Words: words, Help: "Send ICMP echo requests to a host", Run: runPing},
		{Views: userView, Syntax: "ping ipv6 [ -c <count> ] <host>", Level: 0, Params: params, Words: map[string]string{"ping": words["ping"], "-c": words["-c"], "ipv6": "IPv6 address"}, Help: "Send ICMPv6 echo requests to a host", Run: runPing},
	}
}

func runPing(e *callEnv, c *cli.Call) error {
	count := 5
	if _, ok := c.Lookup("count"); ok {
		count = c.Int("count")
	}
	host := c.Value("host")
	ip, err := netip.ParseAddr(host)
	if err != nil {
		ips, lerr := net.DefaultResolver.LookupNetIP(context.Background(), "ip", host)
		if lerr != nil || len(ips) == 0 {
			return refuse("Error: The host name %s cannot be resolved.", host)
		}
		ip = ips[0]
	}
	if c.Has("ipv6") != ip.Is6() || ip.Is4In6() {
		return refuse("Error: The address %s is not an IPv%s address.", host, map[bool]string{true: "6", false: "4"}[c.Has("ipv6")])
	}
	ctx, cancel := e.commandContext()
	defer cancel()
	return e.ping(ctx, ip.Unmap(), count)
}
