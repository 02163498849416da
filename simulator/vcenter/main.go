// Command vcsim-fleet serves a simulated vCenter (govmomi's simulator, vCenter model) over HTTPS
// whose clusters, hosts and VMs are those of a running simulated fleet (`npm run sim -- --vcenter`
// starts it; simulator/vcenter/README.md). It prints one JSON line once it serves:
// {"url": ..., "thumbprint": ..., "datacenter": ...}, and stops when its standard input closes
// (its parent went away) or on SIGINT/SIGTERM.
package main

import (
	"crypto/tls"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net/url"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/vmware/govmomi/simulator"
)

func main() {
	control := flag.String("control", "", "the fleet's control endpoint, e.g. http://127.0.0.1:PORT")
	listen := flag.String("listen", "127.0.0.1:0", "address to serve the vSphere API on")
	tlsDir := flag.String("tls-dir", "", "folder of cert.pem and key.pem (created when absent)")
	username := flag.String("username", "administrator@vsphere.local", "the one user that may log in")
	passwordEnv := flag.String("password-env", "", "environment variable holding that user's password")
	poll := flag.Duration("poll", time.Second, "how often the fleet is copied for clients that wait for changes")
	flag.Parse()
	log.SetPrefix("vcsim-fleet: ")
	log.SetFlags(0)
	if *control == "" || *tlsDir == "" || *passwordEnv == "" {
		log.Fatal("-control, -tls-dir and -password-env are required")
	}
	password := os.Getenv(*passwordEnv)
	if password == "" {
		log.Fatalf("-password-env %s: the variable is not set", *passwordEnv)
	}
	cert, err := loadOrCreateCertificate(*tlsDir)
	if err != nil {
		log.Fatalf("certificate: %v", err)
	}

	model := simulator.VPX()
	model.Host, model.Cluster, model.ClusterHost = 0, 0, 0
	model.Machine, model.Datastore, model.Portgroup, model.Pool = 0, 0, 0, 0
	if err := model.Create(); err != nil {
		log.Fatalf("model: %v", err)
	}
	storage, err := os.MkdirTemp("", "vcsim-fleet-")
	if err != nil {
		log.Fatal(err)
	}
	cleanup := func() {
		model.Remove()
		_ = os.RemoveAll(storage)
	}

	vc, err := newVcenter(model, newFleetClient(*control), storage)
	if err != nil {
		cleanup()
		log.Fatalf("inventory from the fleet: %v", err)
	}
	vc.syncNow()
	model.Map().Handler = vc.handler

	model.Service.TLS = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	model.Service.Listen = &url.URL{Host: *listen, User: url.UserPassword(*username, password)}
	model.Service.NewServer()
	go vc.pollForever(*poll)

	serverURL := *model.Service.Listen
	serverURL.User = nil
	ready, _ := json.Marshal(map[string]string{
		"url":        serverURL.String(),
		"thumbprint": thumbprintSHA256(cert),
		"datacenter": "DC0",
	})
	fmt.Println(string(ready))

	done := make(chan os.Signal, 1)
	signal.Notify(done, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		done <- syscall.SIGTERM
	}()
	<-done
	// Clients may be waiting on tasks (a maintenance entry without timeout): no graceful close.
	cleanup()
	os.Exit(0)
}
