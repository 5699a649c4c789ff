package main

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"io/ioutil"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

// powerOnGuard is middleware in front of the SOAP handler of a host whose CPU cannot run
// 64-bit guests (no long mode, or no VT-x/AMD-V, as on VMware Server hosts of that age):
// PowerOnVM_Task of a VM with a 64-bit guestId returns a task that fails with
// GenericVmConfigFault instead of powering the VM on, as the real host does. The guestId is
// read through the simulator itself, with the caller's session, so an unauthenticated
// request still gets the simulator's own NotAuthenticated answer.
type powerOnGuard struct {
	next   http.Handler
	reason string
}

type powerOnEnvelope struct {
	Body struct {
		Req *struct {
			This types.ManagedObjectReference `xml:"_this"`
		} `xml:"PowerOnVM_Task"`
	} `xml:"Body"`
}

func (g powerOnGuard) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || !strings.HasPrefix(r.URL.Path, "/sdk") || r.Body == nil {
		g.next.ServeHTTP(w, r)
		return
	}
	body, err := ioutil.ReadAll(io.LimitReader(r.Body, maxSoapRequest))
	_ = r.Body.Close()
	if err != nil {
		http.Error(w, "reading request: "+err.Error(), http.StatusBadRequest)
		return
	}
	r.Body = ioutil.NopCloser(bytes.NewReader(body))
	if !bytes.Contains(body, []byte("PowerOnVM_Task")) {
		g.next.ServeHTTP(w, r)
		return
	}
	var env powerOnEnvelope
	if xml.Unmarshal(body, &env) != nil || env.Body.Req == nil || env.Body.Req.This.Type != "VirtualMachine" {
		g.next.ServeHTTP(w, r)
		return
	}
	ref := env.Body.Req.This
	guestID, ok := g.guestID(r, ref)
	if !ok || !is64Bit(guestID) {
		g.next.ServeHTTP(w, r)
		return
	}
	vm, ok := simulator.Map.Get(ref).(mo.Reference)
	if !ok || vm == nil {
		g.next.ServeHTTP(w, r)
		return
	}
	reason := fmt.Sprintf("%s: guest OS %s is 64-bit; %s", ref.Value, guestID, g.reason)
	task := simulator.CreateTask(vm, "powerOn", func(*simulator.Task) (types.AnyType, types.BaseMethodFault) {
		return nil, &types.GenericVmConfigFault{Reason: reason}
	}).Run()
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	fmt.Fprintf(w, `%s<soapenv:Envelope xmlns:soapenc="http://schemas.xmlsoap.org/soap/encoding/" `+
		`xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" `+
		`xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><PowerOnVM_TaskResponse xmlns="urn:vim25">`+
		`<returnval type="Task">%s</returnval></PowerOnVM_TaskResponse></soapenv:Body></soapenv:Envelope>`,
		xml.Header, task.Value)
}

// guestID asks the simulator, with the caller's cookies, for the VM's config.guestId.
func (g powerOnGuard) guestID(r *http.Request, ref types.ManagedObjectReference) (string, bool) {
	probe := fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">`+
		`<soapenv:Body><RetrieveProperties xmlns="urn:vim25"><_this type="PropertyCollector">ha-property-collector</_this>`+
		`<specSet><propSet><type>VirtualMachine</type><pathSet>config.guestId</pathSet></propSet>`+
		`<objectSet><obj type="VirtualMachine">%s</obj></objectSet></specSet></RetrieveProperties></soapenv:Body></soapenv:Envelope>`,
		xmlEscape(ref.Value))
	req := httptest.NewRequest(http.MethodPost, r.URL.Path, strings.NewReader(probe))
	for _, c := range r.Cookies() {
		req.AddCookie(c)
	}
	req.RemoteAddr = r.RemoteAddr
	rec := httptest.NewRecorder()
	g.next.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		return "", false
	}
	var res struct {
		Body struct {
			Res struct {
				Returnval []struct {
					PropSet []struct {
						Name string `xml:"name"`
						Val  string `xml:"val"`
					} `xml:"propSet"`
				} `xml:"returnval"`
			} `xml:"RetrievePropertiesResponse"`
		} `xml:"Body"`
	}
	if xml.Unmarshal(rec.Body.Bytes(), &res) != nil {
		return "", false
	}
	for _, rv := range res.Body.Res.Returnval {
		for _, p := range rv.PropSet {
			if p.Name == "config.guestId" {
				return p.Val, true
			}
		}
	}
	return "", false
}

func is64Bit(guestID string) bool {
	return strings.Contains(strings.ToLower(guestID), "64")
}

func xmlEscape(s string) string {
	var b bytes.Buffer
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}
