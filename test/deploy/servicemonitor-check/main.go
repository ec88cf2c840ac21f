// Command servicemonitor-check decodes ServiceMonitor manifests strictly into prometheus-operator's
// own Go types, which kubernetes-validate has no schema for: a misspelt or unknown field, or a
// value of the wrong type, is an error. One JSON document per file (encoding/json, which unlike a
// YAML round trip does not turn a number into a string field).
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
)

func main() {
	failed := false
	for _, path := range os.Args[1:] {
		if err := check(path); err != nil {
			fmt.Printf("ERROR %s: %v\n", path, err)
			failed = true
			continue
		}
		fmt.Printf("INFO %s passed\n", path)
	}
	if failed || len(os.Args) < 2 {
		os.Exit(1)
	}
}

func check(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var monitor monitoringv1.ServiceMonitor
	decoder := json.NewDecoder(bytes.NewReader(data))
	decoder.DisallowUnknownFields()
	if err := decoder.Decode(&monitor); err != nil {
		return err
	}
	if monitor.APIVersion != "monitoring.coreos.com/v1" || monitor.Kind != "ServiceMonitor" {
		return fmt.Errorf("not a monitoring.coreos.com/v1 ServiceMonitor: %s %s", monitor.APIVersion, monitor.Kind)
	}
	if len(monitor.Spec.Endpoints) == 0 {
		return fmt.Errorf("spec.endpoints is empty")
	}
	return nil
}
