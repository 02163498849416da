package main

// vCenter's inventory from the fleet: one datacenter, a DRS cluster per fleet cluster with the
// fleet's hosts under their fleet names, a shared datastore per cluster (DRS moves VMs only between
// hosts that share their storage) and a HostServiceSystem per host. Built through vcsim's own API
// with the in-process client, as an administrator would build it.

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/vmware/govmomi/find"
	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25"
	"github.com/vmware/govmomi/vim25/types"
)

func newVcenter(model *simulator.Model, fleet *fleetClient, storageDir string) (*vcenter, error) {
	ctx := model.Service.Context
	s := &vcenter{
		model:       model,
		fleet:       fleet,
		hosts:       map[string]*simulator.HostSystem{},
		hostNames:   map[types.ManagedObjectReference]string{},
		services:    map[string]*serviceSystem{},
		clusters:    map[string]*simulator.ClusterComputeResource{},
		hostCluster: map[string]string{},
		datastores:  map[string]string{},
		vms:         map[string]*vmRecord{},
	}
	ictx := s.internalContext()
	client, err := vim25.NewClient(ictx, model.Service)
	if err != nil {
		return nil, err
	}
	s.client = client
	dc, err := find.NewFinder(client).DefaultDatacenter(ictx)
	if err != nil {
		return nil, err
	}
	if s.folders, err = dc.Folders(ictx); err != nil {
		return nil, err
	}
	state, err := fleet.state(ictx)
	if err != nil {
		return nil, err
	}
	for _, c := range state.Clusters {
		spec := types.ClusterConfigSpecEx{DrsConfig: &types.ClusterDrsConfigInfo{
			Enabled:           types.NewBool(true),
			DefaultVmBehavior: types.DrsBehaviorFullyAutomated,
		}}
		cluster, err := s.folders.HostFolder.CreateCluster(ictx, c.Name, spec)
		if err != nil {
			return nil, fmt.Errorf("cluster %s: %w", c.Name, err)
		}
		cc := ctx.Map.Get(cluster.Reference()).(*simulator.ClusterComputeResource)
		cc.ConfigurationEx.(*types.ClusterConfigInfoEx).DrsConfig.DefaultVmBehavior = types.DrsBehaviorFullyAutomated
		s.clusters[c.Name] = cc
		var hosts []*object.HostSystem
		for _, name := range c.Hosts {
			task, err := cluster.AddHost(ictx, types.HostConnectSpec{HostName: name}, true, nil, nil)
			if err != nil {
				return nil, fmt.Errorf("host %s: %w", name, err)
			}
			info, err := task.WaitForResult(ictx, nil)
			if err != nil {
				return nil, fmt.Errorf("host %s: %w", name, err)
			}
			ref := info.Result.(types.ManagedObjectReference)
			host := ctx.Map.Get(ref).(*simulator.HostSystem)
			s.hosts[name] = host
			s.hostNames[ref] = name
			s.hostCluster[name] = c.Name
			s.services[name] = addServiceSystem(ctx, s, host, name)
			hosts = append(hosts, object.NewHostSystem(client, ref))
		}
		if err := s.addSharedDatastore(c.Name, hosts, storageDir); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// addSharedDatastore mounts one datastore named after the cluster on each of its hosts.
func (s *vcenter) addSharedDatastore(cluster string, hosts []*object.HostSystem, storageDir string) error {
	name := cluster + "-vsanDatastore"
	dir := filepath.Join(storageDir, name)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	ictx := s.internalContext()
	for _, h := range hosts {
		dss, err := h.ConfigManager().DatastoreSystem(ictx)
		if err != nil {
			return err
		}
		if _, err := dss.CreateLocalDatastore(ictx, name, dir); err != nil {
			return fmt.Errorf("datastore %s: %w", name, err)
		}
	}
	s.datastores[cluster] = name
	return nil
}
