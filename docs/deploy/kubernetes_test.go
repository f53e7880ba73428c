package deploy_test

import (
	"bytes"
	"fmt"
	"net/netip"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/vrpsim/vrpsim/lab"
	"go.yaml.in/yaml/v3"
)

// The Kubernetes API types the manifest uses, the part of them it sets (the
// field names of k8s.io/api). Each document is decoded strictly: a setting
// that is misspelled or not declared here fails the test. (k8s.io/api itself
// costs 19 modules and minutes of compiling on CI's 2 cores.)
type (
	k8sMeta struct {
		Name   string            `yaml:"name"`
		Labels map[string]string `yaml:"labels"`
	}
	k8sHeader struct {
		APIVersion string `yaml:"apiVersion"`
		Kind       string `yaml:"kind"`
	}
	k8sConfigMap struct {
		k8sHeader `yaml:",inline"`
		Metadata  k8sMeta           `yaml:"metadata"`
		Data      map[string]string `yaml:"data"`
	}
	k8sService struct {
		k8sHeader `yaml:",inline"`
		Metadata  k8sMeta `yaml:"metadata"`
		Spec      struct {
			Type      string            `yaml:"type"`
			ClusterIP string            `yaml:"clusterIP"`
			Selector  map[string]string `yaml:"selector"`
			Ports     []struct {
				Name       string `yaml:"name"`
				Port       int    `yaml:"port"`
				TargetPort int    `yaml:"targetPort"`
				NodePort   int    `yaml:"nodePort"`
			} `yaml:"ports"`
		} `yaml:"spec"`
	}
	k8sProbe struct {
		Exec struct {
			Command []string `yaml:"command"`
		} `yaml:"exec"`
		InitialDelaySeconds int `yaml:"initialDelaySeconds"`
		PeriodSeconds       int `yaml:"periodSeconds"`
		TimeoutSeconds      int `yaml:"timeoutSeconds"`
		FailureThreshold    int `yaml:"failureThreshold"`
	}
	k8sContainer struct {
		Name            string   `yaml:"name"`
		Image           string   `yaml:"image"`
		ImagePullPolicy string   `yaml:"imagePullPolicy"`
		Args            []string `yaml:"args"`
		Env             []struct {
			Name      string `yaml:"name"`
			Value     string `yaml:"value"`
			ValueFrom *struct {
				FieldRef struct {
					FieldPath string `yaml:"fieldPath"`
				} `yaml:"fieldRef"`
			} `yaml:"valueFrom"`
		} `yaml:"env"`
		SecurityContext struct {
			AllowPrivilegeEscalation *bool `yaml:"allowPrivilegeEscalation"`
			ReadOnlyRootFilesystem   *bool `yaml:"readOnlyRootFilesystem"`
			Privileged               *bool `yaml:"privileged"`
			Capabilities             struct {
				Drop []string `yaml:"drop"`
				Add  []string `yaml:"add"`
			} `yaml:"capabilities"`
		} `yaml:"securityContext"`
		Resources struct {
			Requests map[string]string `yaml:"requests"`
			Limits   map[string]string `yaml:"limits"`
		} `yaml:"resources"`
		ReadinessProbe *k8sProbe `yaml:"readinessProbe"`
		LivenessProbe  *k8sProbe `yaml:"livenessProbe"`
		VolumeMounts   []struct {
			Name      string `yaml:"name"`
			MountPath string `yaml:"mountPath"`
			SubPath   string `yaml:"subPath"`
			ReadOnly  bool   `yaml:"readOnly"`
		} `yaml:"volumeMounts"`
	}
	k8sStatefulSet struct {
		k8sHeader `yaml:",inline"`
		Metadata  k8sMeta `yaml:"metadata"`
		Spec      struct {
			ServiceName         string `yaml:"serviceName"`
			Replicas            int    `yaml:"replicas"`
			PodManagementPolicy string `yaml:"podManagementPolicy"`
			Selector            struct {
				MatchLabels map[string]string `yaml:"matchLabels"`
			} `yaml:"selector"`
			Template struct {
				Metadata k8sMeta `yaml:"metadata"`
				Spec     struct {
					AutomountServiceAccountToken  *bool `yaml:"automountServiceAccountToken"`
					TerminationGracePeriodSeconds int   `yaml:"terminationGracePeriodSeconds"`
					HostNetwork                   bool  `yaml:"hostNetwork"`
					SecurityContext               struct {
						RunAsNonRoot   *bool `yaml:"runAsNonRoot"`
						RunAsUser      int   `yaml:"runAsUser"`
						RunAsGroup     int   `yaml:"runAsGroup"`
						FSGroup        int   `yaml:"fsGroup"`
						SeccompProfile struct {
							Type string `yaml:"type"`
						} `yaml:"seccompProfile"`
					} `yaml:"securityContext"`
					Containers []k8sContainer `yaml:"containers"`
					Volumes    []struct {
						Name      string `yaml:"name"`
						ConfigMap *struct {
							Name string `yaml:"name"`
						} `yaml:"configMap"`
					} `yaml:"volumes"`
				} `yaml:"spec"`
			} `yaml:"template"`
			VolumeClaimTemplates []struct {
				Metadata k8sMeta `yaml:"metadata"`
				Spec     struct {
					AccessModes []string `yaml:"accessModes"`
					Resources   struct {
						Requests map[string]string `yaml:"requests"`
					} `yaml:"resources"`
				} `yaml:"spec"`
			} `yaml:"volumeClaimTemplates"`
		} `yaml:"spec"`
	}
)

// k8sManifest decodes the manifest's documents strictly by kind.
func k8sManifest(t *testing.T, path string) (cms []k8sConfigMap, svcs []k8sService, sets []k8sStatefulSet) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for i, doc := range strings.Split(string(data), "\n---\n") {
		var h k8sHeader
		if err := yaml.Unmarshal([]byte(doc), &h); err != nil {
			t.Fatalf("%s: document %d: %v", path, i+1, err)
		}
		strict := func(v any) {
			dec := yaml.NewDecoder(bytes.NewReader([]byte(doc)))
			dec.KnownFields(true)
			if err := dec.Decode(v); err != nil {
				t.Fatalf("%s: document %d (%s): %v", path, i+1, h.Kind, err)
			}
		}
		switch h.APIVersion + " " + h.Kind {
		case "v1 ConfigMap":
			var v k8sConfigMap
			strict(&v)
			cms = append(cms, v)
		case "v1 Service":
			var v k8sService
			strict(&v)
			svcs = append(svcs, v)
		case "apps/v1 StatefulSet":
			var v k8sStatefulSet
			strict(&v)
			sets = append(sets, v)
		default:
			t.Fatalf("%s: document %d: unexpected %s %s", path, i+1, h.APIVersion, h.Kind)
		}
	}
	return cms, svcs, sets
}

// TestKubernetesManifest checks the StatefulSet of labs: its headless
// Service, the restricted security profile, probes with timeouts, requests
// and limits, persistent flash, the lab each pod runs (per-pod sysnames on
// the pod's IP, listening on every address) and the NodePort Service that
// takes students to R37 of pod lab-0.
func TestKubernetesManifest(t *testing.T) {
	cms, svcs, sets := k8sManifest(t, "kubernetes.yaml")
	if len(cms) != 1 || len(svcs) != 2 || len(sets) != 1 {
		t.Fatalf("%d ConfigMaps, %d Services, %d StatefulSets; want 1, 2, 1", len(cms), len(svcs), len(sets))
	}
	ss := sets[0]
	ps := ss.Spec.Template.Spec
	labels := ss.Spec.Template.Metadata.Labels
	if !cmp.Equal(ss.Spec.Selector.MatchLabels, labels) || len(labels) == 0 {
		t.Errorf("selector %v, template labels %v", ss.Spec.Selector.MatchLabels, labels)
	}
	services := map[string]k8sService{}
	for _, s := range svcs {
		services[s.Metadata.Name] = s
	}
	headless, ok := services[ss.Spec.ServiceName]
	if !ok || headless.Spec.ClusterIP != "None" || !cmp.Equal(headless.Spec.Selector, labels) {
		t.Errorf("serviceName %q: the headless Service is %+v", ss.Spec.ServiceName, headless)
	}

	// The restricted Pod Security Standard.
	sc := ps.SecurityContext
	if sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot || sc.RunAsUser != 65532 || sc.FSGroup != 65532 || sc.SeccompProfile.Type != "RuntimeDefault" || ps.HostNetwork {
		t.Errorf("pod securityContext %+v, hostNetwork %v", sc, ps.HostNetwork)
	}
	if len(ps.Containers) != 1 {
		t.Fatalf("%d containers", len(ps.Containers))
	}
	c := ps.Containers[0]
	csc := c.SecurityContext
	if csc.AllowPrivilegeEscalation == nil || *csc.AllowPrivilegeEscalation || !cmp.Equal(csc.Capabilities.Drop, []string{"ALL"}) ||
		len(csc.Capabilities.Add) != 0 || (csc.Privileged != nil && *csc.Privileged) {
		t.Errorf("container securityContext %+v", csc)
	}
	for _, v := range ps.Volumes {
		if v.ConfigMap == nil {
			t.Errorf("volume %s: only ConfigMaps and claims are expected", v.Name)
		}
	}

	// Probes, resources.
	health := []string{"/vrpsim", "--health", "/lab/lab.yaml"}
	for name, p := range map[string]*k8sProbe{"readiness": c.ReadinessProbe, "liveness": c.LivenessProbe} {
		if p == nil {
			t.Errorf("no %s probe", name)
			continue
		}
		// vrpsim --health gives up after 5 s; the probe must wait longer.
		if !cmp.Equal(p.Exec.Command, health) || p.TimeoutSeconds <= 5 || p.PeriodSeconds <= p.TimeoutSeconds {
			t.Errorf("%s probe %+v", name, p)
		}
	}
	for _, m := range []map[string]string{c.Resources.Requests, c.Resources.Limits} {
		if m["cpu"] == "" || m["memory"] == "" {
			t.Errorf("resources %+v: want cpu and memory requests and limits", c.Resources)
		}
	}

	// Persistent flash: the claim template is mounted on the lab's data-root.
	mounts := map[string]string{}
	for _, m := range c.VolumeMounts {
		mounts[m.Name] = m.MountPath + ":" + m.SubPath
	}
	if len(ss.Spec.VolumeClaimTemplates) != 1 || ss.Spec.VolumeClaimTemplates[0].Spec.Resources.Requests["storage"] == "" {
		t.Fatalf("volumeClaimTemplates %+v", ss.Spec.VolumeClaimTemplates)
	}
	claim := ss.Spec.VolumeClaimTemplates[0].Metadata.Name
	if mounts[claim] != "/data:" {
		t.Errorf("claim %s mounted at %q, want /data", claim, mounts[claim])
	}
	labCM := ""
	for _, v := range ps.Volumes {
		if mounts[v.Name] == "/lab/lab.yaml:lab.yaml" {
			labCM = v.ConfigMap.Name
		}
	}
	if labCM != cms[0].Metadata.Name {
		t.Fatalf("/lab/lab.yaml comes from ConfigMap %q, want %s", labCM, cms[0].Metadata.Name)
	}

	// The lab of each pod, with the container's environment.
	env := parseContainerfile(t, "Containerfile").env
	var podVar string
	for _, e := range c.Env {
		if e.ValueFrom != nil && e.ValueFrom.FieldRef.FieldPath == "metadata.name" {
			podVar = e.Name
		}
	}
	podLab := func(pod string) *lab.File {
		env[podVar] = pod
		f, err := lab.ParseWith("/lab/lab.yaml", []byte(cms[0].Data["lab.yaml"]), lab.Env{
			Lookup: func(k string) (string, bool) { v, ok := env[k]; return v, ok },
			Addrs: func() ([]netip.Addr, error) {
				return []netip.Addr{netip.MustParseAddr("127.0.0.1"), netip.MustParseAddr("10.244.1.7")}, nil
			},
		})
		if err != nil {
			t.Fatalf("pod %s: %v", pod, err)
		}
		return f
	}
	for _, pod := range []string{"lab-0", "lab-1"} {
		f := podLab(pod)
		if len(f.Devices) != 40 || f.Admin != "127.0.0.1:9022" {
			t.Fatalf("pod %s: %d devices, admin %q", pod, len(f.Devices), f.Admin)
		}
		d := f.Devices[36]
		got := fmt.Sprintf("%s address %s listen %s ssh %d ftp %d flash %s data %s health %s",
			d.Sysname, d.Address, d.Listen, d.SSHPort, d.FTPPort, d.Flash, d.Data, d.DialSSHAddr())
		want := pod + "-R37 address 10.244.1.7 listen 0.0.0.0 ssh 2237 ftp 2137 flash disk data /data/" + pod + "-R37 health 127.0.0.1:2237"
		if got != want {
			t.Errorf("pod %s: R37 is %s, want %s", pod, got, want)
		}
	}

	// Students reach R37 of lab-0 on node port 30237.
	np := services["lab-0-ssh"]
	if np.Spec.Type != "NodePort" || np.Spec.Selector["statefulset.kubernetes.io/pod-name"] != "lab-0" {
		t.Fatalf("Service lab-0-ssh %+v", np.Spec)
	}
	for k, v := range labels {
		if np.Spec.Selector[k] != v {
			t.Errorf("Service lab-0-ssh selects %v, not the lab's pods %v", np.Spec.Selector, labels)
		}
	}
	f := podLab("lab-0")
	var nodePorts []int
	for i, p := range np.Spec.Ports {
		d := f.Devices[i]
		if p.TargetPort != d.SSHPort || p.NodePort != 30200+i+1 || p.NodePort < 30000 || p.NodePort > 32767 {
			t.Errorf("port %+v does not lead to %s's SSH port %d", p, d.Sysname, d.SSHPort)
		}
		nodePorts = append(nodePorts, p.NodePort)
	}
	if len(np.Spec.Ports) != len(f.Devices) || !slices.Contains(nodePorts, 30237) {
		t.Errorf("%d node ports for %d routers", len(np.Spec.Ports), len(f.Devices))
	}
}
