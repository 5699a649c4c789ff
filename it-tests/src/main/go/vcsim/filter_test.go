package main

import (
	"os"
	"path/filepath"
	"testing"
)

func TestRewriteSoapUsesXsiPrefixAndPutsTypeFirst(t *testing.T) {
	in := `<returnval xmlns:XMLSchema-instance="http://www.w3.org/2001/XMLSchema-instance" XMLSchema-instance:type="ManagedObjectReference" type="VirtualMachine">vm-1</returnval>`
	want := `<returnval type="VirtualMachine" xsi:type="ManagedObjectReference">vm-1</returnval>`
	if got := string(rewriteSoap([]byte(in))); got != want {
		t.Fatalf("rewriteSoap:\n got %s\nwant %s", got, want)
	}
}

func TestRewriteSoapLeavesOtherTagsAlone(t *testing.T) {
	in := `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="urn:x" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><a>1</a><b/><obj type="Folder">ha-folder-root</obj></soapenv:Envelope>`
	if got := string(rewriteSoap([]byte(in))); got != in {
		t.Fatalf("rewriteSoap changed a tag it should keep:\n got %s\nwant %s", got, in)
	}
}

func TestRegistrationFilesCreatesNvramAndLogOnlyInsideTheDatastore(t *testing.T) {
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "web"), 0755); err != nil {
		t.Fatal(err)
	}
	h := registrationFiles{datastores: map[string]string{"datastore1": root}}
	req := func(p, name string) []byte {
		return []byte(`<?xml version="1.0"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><RegisterVM_Task xmlns="urn:vim25"><_this type="Folder">ha-folder-vm</_this><path>` +
			p + `</path><name>` + name + `</name><asTemplate>false</asTemplate></RegisterVM_Task></soapenv:Body></soapenv:Envelope>`)
	}
	h.prepare(req("[datastore1] web/web.vmx", "web"))
	for _, f := range []string{"web/web.nvram", "web/vmware.log"} {
		if _, err := os.Stat(filepath.Join(root, f)); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
	h.prepare(req("[datastore1] ../../escape/x.vmx", "x"))
	h.prepare(req("[datastore1] web/web.vmx", "../x"))
	entries, _ := os.ReadDir(filepath.Dir(root))
	for _, e := range entries {
		if e.Name() == "escape" || e.Name() == "x.nvram" {
			t.Errorf("created %s outside the datastore", e.Name())
		}
	}
	if _, err := os.Stat(filepath.Join(root, "x.nvram")); err == nil {
		t.Errorf("created x.nvram from a hostile name")
	}
}
