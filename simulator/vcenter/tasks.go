package main

// Tasks whose work happens in the fleet. vcsim's Task.Run holds the entity's lock until the work
// is done, so a maintenance entry that waits for VMs would block every read of the host meanwhile;
// these tasks hold no lock while they wait. Faults carry the messages a real vCenter gives [R].

import (
	"fmt"
	"log"
	"sync"
	"time"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

// taskWork does a task's work; it may report how far it got (info.progress, percent) while it runs.
type taskWork func(progress func(percent int32)) (types.AnyType, *types.LocalizedMethodFault)

// startTask registers a running task on entity and completes it when work returns.
func (s *vcenter) startTask(ctx *simulator.Context, entity mo.Reference, name string, work taskWork) types.ManagedObjectReference {
	task := simulator.CreateTask(entity, name, nil)
	// Registering the task updates the entity's recentTask.
	ctx.WithLock(entity, func() { ctx.Map.Put(task) })
	task.Info.Key = task.Self.Value
	task.Info.Task = task.Self
	ctx.Map.AtomicUpdate(ctx, task, []types.PropertyChange{
		{Name: "info.startTime", Val: time.Now()},
		{Name: "info.state", Val: types.TaskInfoStateRunning},
	})
	var mu sync.Mutex
	completed := false
	progress := func(percent int32) {
		mu.Lock()
		defer mu.Unlock()
		if completed { // work left behind (a vMotion still landing) no longer speaks for the task
			return
		}
		bg := s.newContext()
		bg.Map.AtomicUpdate(bg, task, []types.PropertyChange{{Name: "info.progress", Val: percent}})
	}
	go func() {
		res, fault := work(progress)
		mu.Lock()
		completed = true
		mu.Unlock()
		// Whoever reads the task's outcome next must see the fleet as it left it.
		s.syncNow()
		bg := s.newContext()
		state := types.TaskInfoStateSuccess
		var taskErr any
		if fault != nil {
			state = types.TaskInfoStateError
			taskErr = *fault
			log.Printf("task %s on %s: %s", name, entity.Reference().Value, fault.LocalizedMessage)
		}
		bg.Map.AtomicUpdate(bg, task, []types.PropertyChange{
			{Name: "info.completeTime", Val: time.Now()},
			{Name: "info.state", Val: state},
			{Name: "info.result", Val: res},
			{Name: "info.error", Val: taskErr},
		})
	}()
	return task.Self
}

// faultFor turns a refusal of the fleet into the vim fault a real vCenter raises.
func faultFor(r *fleetRefusal, err error) *types.LocalizedMethodFault {
	if err != nil {
		return &types.LocalizedMethodFault{
			Fault:            &types.SystemError{Reason: err.Error()},
			LocalizedMessage: "A general system error occurred: " + err.Error(),
		}
	}
	if r == nil {
		return nil
	}
	log.Printf("fleet refused: %s", r)
	f := func(fault types.BaseMethodFault, msg string) *types.LocalizedMethodFault {
		return &types.LocalizedMethodFault{Fault: fault, LocalizedMessage: msg}
	}
	switch r.Fault {
	case "Timeout":
		return f(&types.Timedout{}, "Operation timed out.")
	case "InvalidState":
		return f(&types.InvalidState{}, "The operation is not allowed in the current state.")
	case "HostNotConnected":
		return f(&types.HostNotConnected{}, "Unable to communicate with the remote host, since it is disconnected.")
	case "InvalidPowerState":
		return f(&types.InvalidPowerState{}, "The attempted operation cannot be performed in the current state.")
	case "ToolsUnavailable":
		return f(&types.ToolsUnavailable{}, "Cannot complete operation because VMware Tools is not running in this virtual machine.")
	case "RequestCanceled":
		return f(&types.RequestCanceled{}, "The task was canceled by a user.")
	case "NotFound":
		return f(&types.NotFound{}, "The object or item referred to could not be found.")
	case "DuplicateName":
		return f(&types.DuplicateName{Name: r.Error}, fmt.Sprintf("The name '%s' already exists.", r.Error))
	case "DeviceNotSupported":
		return f(&types.DeviceNotSupported{}, "Virtual machine has devices that do not support vMotion: "+r.Error)
	}
	return f(&types.SystemError{Reason: r.Error}, "A general system error occurred: "+r.Error)
}

// methodFault is the SOAP fault of a method that fails at once (not through a task).
func methodFault(f *types.LocalizedMethodFault) *soap.Fault {
	return simulator.Fault(f.LocalizedMessage, f.Fault)
}
