package main

// The simulated fleet's control endpoint (simulator/vcenter/control-routes.ts): the one source of
// truth for hosts, VMs and the SSH service. vCenter's view is read from it, its tasks act on it.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"
)

type vmDevice struct {
	Kind string `json:"kind"` // "passthrough" | "sriov"
	PCI  string `json:"pci,omitempty"`
	PF   string `json:"pf,omitempty"`
}

type vmState struct {
	Name     string     `json:"name"`
	VMID     int        `json:"vmid"`
	UUID     string     `json:"uuid"`
	Power    string     `json:"power"` // "on" | "off"
	GuestID  string     `json:"guestId"`
	NumCPU   int32      `json:"numCpu"`
	MemoryMB int32      `json:"memoryMB"`
	Tools    string     `json:"tools"`
	Devices  []vmDevice `json:"devices"`
}

type sshService struct {
	Running bool   `json:"running"`
	Policy  string `json:"policy"` // "on" | "off" | "automatic"
}

type hostState struct {
	Name                string     `json:"name"`
	Cluster             string     `json:"cluster"`
	Power               string     `json:"power"` // "up" | "going-down" | "down"
	BootCount           int        `json:"bootCount"`
	BootTime            time.Time  `json:"bootTime"`
	Version             string     `json:"version"`
	MaintenanceMode     bool       `json:"maintenanceMode"`
	EnteringMaintenance bool       `json:"enteringMaintenance"`
	SSH                 sshService `json:"ssh"`
	VMs                 []vmState  `json:"vms"`
}

type clusterState struct {
	Name  string   `json:"name"`
	Hosts []string `json:"hosts"`
}

type fleetState struct {
	Clusters []clusterState `json:"clusters"`
	Hosts    []hostState    `json:"hosts"`
}

// fleetRefusal is a 409 of the control endpoint: a vim fault name and the reason.
type fleetRefusal struct {
	Fault string `json:"fault"`
	Error string `json:"error"`
}

func (r *fleetRefusal) String() string { return r.Fault + ": " + r.Error }

type fleetClient struct {
	base string
	// No timeout: a maintenance entry waits for as long as its own timeout says.
	http *http.Client
}

func newFleetClient(base string) *fleetClient {
	return &fleetClient{base: base, http: &http.Client{}}
}

func (c *fleetClient) state(ctx context.Context) (*fleetState, error) {
	var s fleetState
	if _, err := c.call(ctx, http.MethodGet, "/vcenter/fleet", nil, &s); err != nil {
		return nil, err
	}
	return &s, nil
}

// act calls an action route; a refusal (409) is returned as such, any other failure as an error.
func (c *fleetClient) act(ctx context.Context, method, path string, body any) (*fleetRefusal, error) {
	return c.call(ctx, method, path, body, nil)
}

func hostPath(host string, rest ...string) string {
	p := "/vcenter/hosts/" + url.PathEscape(host)
	for _, r := range rest {
		p += "/" + url.PathEscape(r)
	}
	return p
}

func (c *fleetClient) call(ctx context.Context, method, path string, body, out any) (*fleetRefusal, error) {
	var reader io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		reader = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, reader)
	if err != nil {
		return nil, err
	}
	res, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fleet control endpoint: %w", err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(io.LimitReader(res.Body, 32<<20))
	if err != nil {
		return nil, err
	}
	switch {
	case res.StatusCode == http.StatusConflict:
		var r fleetRefusal
		if err := json.Unmarshal(data, &r); err != nil {
			return nil, fmt.Errorf("%s %s: %s", method, path, data)
		}
		return &r, nil
	case res.StatusCode >= 300:
		return nil, fmt.Errorf("%s %s: HTTP %d: %s", method, path, res.StatusCode, data)
	case out != nil:
		return nil, json.Unmarshal(data, out)
	}
	return nil, nil
}
