package main

import "testing"

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
