module github.com/vrpsim/vrpsim

go 1.26.8

require (
	github.com/gliderlabs/ssh v0.3.8
	github.com/google/go-cmp v0.7.0
	go.yaml.in/yaml/v3 v3.0.6
	golang.org/x/crypto v0.59.0
	golang.org/x/sys v0.50.0
	golang.org/x/term v0.48.0
)

require github.com/anmitsu/go-shlex v0.0.0-20200514113438-38f4b401e2be // indirect
