package instructor

import (
	"fmt"
	"net/http"
	"net/netip"
	"slices"
	"strings"

	"github.com/vrpsim/vrpsim/aaa"
)

const ftpService = aaa.ServiceFTP

func netipLoopback(port uint16) netip.AddrPort {
	return netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), port)
}

// metric is one family of the Prometheus text format.
type metric struct {
	name, help, typ string
	samples         []string
}

func (m *metric) add(value any, labels ...string) {
	var b strings.Builder
	b.WriteString(m.name)
	b.WriteByte('{')
	for i := 0; i+1 < len(labels); i += 2 {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "%s=%q", labels[i], labels[i+1])
	}
	fmt.Fprintf(&b, "} %v", value)
	m.samples = append(m.samples, b.String())
}

// metrics serves the Prometheus text format: per device its state,
// sessions, logins, transfers, bytes, failed data connections, commands
// and faults.
func (s *Server) metrics(w http.ResponseWriter, r *http.Request) {
	up := &metric{name: "vrpsim_device_up", help: "Whether the device runs (1) or is stopped (0).", typ: "gauge"}
	cli := &metric{name: "vrpsim_cli_sessions", help: "CLI sessions (SSH and console) open now.", typ: "gauge"}
	ftp := &metric{name: "vrpsim_ftp_sessions", help: "Sessions of the device's FTP server open now.", typ: "gauge"}
	logins := &metric{name: "vrpsim_logins_total", help: "Logins by service and result (ok or refused).", typ: "counter"}
	transfers := &metric{name: "vrpsim_transfers_total", help: "File transfers by side, mode, type and result.", typ: "counter"}
	bytes := &metric{name: "vrpsim_transfer_bytes_total", help: "Bytes of file transfers the device logged.", typ: "counter"}
	dataFail := &metric{name: "vrpsim_data_connection_failures_total", help: "FTP data connections that could not be opened.", typ: "counter"}
	commands := &metric{name: "vrpsim_cli_commands_total", help: "CLI commands run.", typ: "counter"}
	faults := &metric{name: "vrpsim_faults_injected_total", help: "Faults injected by the instructor's controls.", typ: "counter"}
	active := &metric{name: "vrpsim_fault_active", help: "Faults in effect now (1) or not (0).", typ: "gauge"}
	for _, st := range s.lab.Status() {
		name := st.Sysname
		running := 0
		nCLI, nFTP := 0, 0
		if dev := s.lab.Device(name); dev != nil {
			running = 1
			nCLI, nFTP = len(dev.CLISessions()), len(dev.FTPSessions())
		}
		up.add(running, "device", name)
		cli.add(nCLI, "device", name)
		ftp.add(nFTP, "device", name)
		s.rec.mu.Lock()
		d := s.rec.device(name)
		for _, k := range sortedKeys(d.counts.logins) {
			logins.add(d.counts.logins[k], "device", name, "service", k[0], "result", k[1])
		}
		for _, k := range sortedKeys(d.counts.transfers) {
			transfers.add(d.counts.transfers[k], "device", name, "side", k[0], "mode", k[1], "type", k[2], "result", k[3])
		}
		bytes.add(d.counts.bytes, "device", name)
		dataFail.add(d.counts.dataFailures, "device", name)
		commands.add(d.counts.commands, "device", name)
		for _, k := range sortedKeys(d.counts.faults) {
			faults.add(d.counts.faults[k], "device", name, "fault", k)
		}
		s.rec.mu.Unlock()
		fs := faultState(s.rec.Faults(name))
		for _, f := range []struct {
			name string
			on   bool
		}{{"refuse_logins", fs.RefuseLogins}, {"slow", fs.SlowMS > 0}, {"flash_full", fs.FlashFull}, {"save_delay", fs.SaveDelayMS > 0}, {"cut_transfer", fs.CutAfter > 0}} {
			v := 0
			if f.on {
				v = 1
			}
			active.add(v, "device", name, "fault", f.name)
		}
	}
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	for _, m := range []*metric{up, cli, ftp, logins, transfers, bytes, dataFail, commands, faults, active} {
		fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s %s\n", m.name, m.help, m.name, m.typ)
		for _, s := range m.samples {
			fmt.Fprintln(w, s)
		}
	}
}

func sortedKeys[K interface {
	comparable
	~[2]string | ~[4]string | ~string
}, V any](m map[K]V) []K {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b K) int { return strings.Compare(fmt.Sprint(a), fmt.Sprint(b)) })
	return keys
}
