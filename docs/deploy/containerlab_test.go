package deploy_test

import (
	"bytes"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/vrpsim/vrpsim/lab"
	"github.com/vrpsim/vrpsim/vrp"
	"go.yaml.in/yaml/v3"
)

// clabTopology is the part of containerlab's topology schema these files
// use; decoding is strict, so a misspelled or unknown setting fails.
type clabTopology struct {
	Name   string `yaml:"name"`
	Prefix string `yaml:"prefix"`
	Mgmt   *struct {
		Network    string `yaml:"network"`
		IPv4Subnet string `yaml:"ipv4-subnet"`
	} `yaml:"mgmt"`
	Topology struct {
		Defaults clabNode            `yaml:"defaults"`
		Nodes    map[string]clabNode `yaml:"nodes"`
		Links    []struct {
			Endpoints []string `yaml:"endpoints"`
		} `yaml:"links"`
	} `yaml:"topology"`
}

type clabNode struct {
	Kind          string            `yaml:"kind"`
	Image         string            `yaml:"image"`
	Cmd           string            `yaml:"cmd"`
	Env           map[string]string `yaml:"env"`
	Binds         []string          `yaml:"binds"`
	Ports         []string          `yaml:"ports"`
	MgmtIPv4      string            `yaml:"mgmt-ipv4"`
	StartupConfig string            `yaml:"startup-config"`
}

func decodeStrict(t *testing.T, path string, v any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// clabNodeLab is the lab a node of a topology runs: the image's lab file or
// the one bound on /lab/lab.yaml, with the image's environment, the
// topology's and the node's, and mgmt as the address of its eth0.
func clabNodeLab(t *testing.T, topoDir string, def, n clabNode, mgmt string) *lab.File {
	t.Helper()
	env := parseContainerfile(t, "Containerfile").env
	for _, m := range []map[string]string{def.Env, n.Env} {
		for k, v := range m {
			env[k] = v
		}
	}
	labPath := "lab.yaml"
	for _, b := range append(def.Binds, n.Binds...) {
		parts := strings.Split(b, ":")
		if len(parts) < 2 || len(parts) > 3 || (len(parts) == 3 && parts[2] != "ro" && parts[2] != "rw") {
			t.Fatalf("bind %q is not HOST:CONTAINER[:ro|rw]", b)
		}
		if parts[1] == "/lab/lab.yaml" {
			labPath = filepath.Join(topoDir, parts[0])
		}
	}
	data, err := os.ReadFile(labPath)
	if err != nil {
		t.Fatal(err)
	}
	f, err := lab.ParseWith("/lab/lab.yaml", data, lab.Env{
		Lookup: func(k string) (string, bool) { v, ok := env[k]; return v, ok },
		Addrs: func() ([]netip.Addr, error) {
			return []netip.Addr{netip.MustParseAddr("127.0.0.1"), netip.MustParseAddr(mgmt)}, nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// TestContainerlabTopology decodes the router topology strictly and checks
// the device each node runs: its name, its management address learned, SSH
// on 22, its configuration file where containerlab users keep it, the
// admin/admin configuration when it has none.
func TestContainerlabTopology(t *testing.T) {
	var topo clabTopology
	decodeStrict(t, "containerlab.clab.yml", &topo)
	def := topo.Topology.Defaults
	if def.Kind != "linux" || def.Image != "localhost/vrpsim:latest" || len(topo.Topology.Nodes) != 3 || len(topo.Topology.Links) != 0 {
		t.Fatalf("topology %+v", topo)
	}
	type device struct {
		Sysname, Address, Config, Startup string
		SSH, FTP                          int
		Flash                             string
	}
	var got []device
	i := 0
	for _, name := range []string{"R1", "R2", "R3"} {
		n, ok := topo.Topology.Nodes[name]
		if !ok {
			t.Fatalf("no node %s", name)
		}
		i++
		f := clabNodeLab(t, ".", def, n, fmt.Sprintf("172.20.20.%d", i))
		if len(f.Devices) != 1 || f.Admin != "127.0.0.1:9022" {
			t.Fatalf("node %s runs %+v", name, f)
		}
		d := f.Devices[0]
		got = append(got, device{d.Sysname, d.Address.String(), d.Config, d.Startup, d.SSHPort, d.FTPPort, d.Flash})
		for _, b := range n.Binds {
			if !strings.HasSuffix(b, ":/config/startup-config.cfg") {
				t.Errorf("node %s binds %q, want HOST:/config/startup-config.cfg", name, b)
			}
		}
	}
	want := []device{
		{"R1", "172.20.20.1", "/config/startup-config.cfg", "/lab/admin-admin.cfg", 22, 21, "memory"},
		{"R2", "172.20.20.2", "/config/startup-config.cfg", "/lab/admin-admin.cfg", 22, 21, "memory"},
		{"R3", "172.20.20.3", "/config/startup-config.cfg", "/lab/admin-admin.cfg", 22, 21, "memory"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("devices (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"50022:22"}, topo.Topology.Nodes["R1"].Ports); diff != "" {
		t.Errorf("R1's published ports (-want +got):\n%s", diff)
	}
	data, err := os.ReadFile("admin-admin.cfg")
	if err != nil {
		t.Fatal(err)
	}
	if err := vrp.CheckConfig(string(data)); err != nil {
		t.Errorf("admin-admin.cfg: %v", err)
	}
}

// TestContainerlabClass decodes the class topology strictly and checks its
// lab: 40 routers on the node's address, each SSH port published.
func TestContainerlabClass(t *testing.T) {
	var topo clabTopology
	decodeStrict(t, "containerlab-class.clab.yml", &topo)
	n, ok := topo.Topology.Nodes["class"]
	if !ok || len(topo.Topology.Nodes) != 1 || n.Kind != "linux" || n.Image != "localhost/vrpsim:latest" {
		t.Fatalf("topology %+v", topo)
	}
	f := clabNodeLab(t, ".", topo.Topology.Defaults, n, "172.20.20.9")
	if len(f.Devices) != 40 {
		t.Fatalf("%d devices, want 40", len(f.Devices))
	}
	published := map[int]bool{}
	for _, p := range n.Ports {
		host, ctr, ok := strings.Cut(p, ":")
		if !ok || host != ctr {
			t.Fatalf("port %q: want the same ports on the host", p)
		}
		lo, hi, _ := strings.Cut(ctr, "-")
		first, err1 := strconv.Atoi(lo)
		last, err2 := strconv.Atoi(hi)
		if err1 != nil || err2 != nil {
			t.Fatalf("port %q", p)
		}
		for port := first; port <= last; port++ {
			published[port] = true
		}
	}
	for i, d := range f.Devices {
		want := fmt.Sprintf("R%d 172.20.20.9 %d %d /config/R%d.cfg /lab/admin-admin.cfg", i+1, 2201+i, 2101+i, i+1)
		if got := fmt.Sprintf("%s %s %d %d %s %s", d.Sysname, d.Address, d.SSHPort, d.FTPPort, d.Config, d.Startup); got != want {
			t.Errorf("device %d: %s, want %s", i+1, got, want)
		}
		if !published[d.SSHPort] {
			t.Errorf("%s's SSH port %d is not published", d.Sysname, d.SSHPort)
		}
	}
	if len(published) != 40 {
		t.Errorf("%d ports published, want the 40 SSH ports", len(published))
	}
}
