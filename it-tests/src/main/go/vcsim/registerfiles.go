package main

import (
	"bytes"
	"encoding/xml"
	"io"
	"io/ioutil"
	"log"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/vmware/govmomi/object"
)

// maxSoapRequest bounds the SOAP request bodies the middleware reads.
const maxSoapRequest = 64 << 20

// registrationFiles is middleware in front of the SOAP handler. A real host registers a VM
// from its .vmx alone; the simulator's RegisterVM also opens <name>.nvram and vmware.log and
// fails with NotFound without them. Before a RegisterVM_Task whose VM folder exists in the
// datastore, the middleware creates those two files when missing, as a host would at power-on.
type registrationFiles struct {
	next       http.Handler
	datastores map[string]string // datastore name -> directory
}

type registerVMEnvelope struct {
	Body struct {
		Req *struct {
			Path string `xml:"path"`
			Name string `xml:"name"`
		} `xml:"RegisterVM_Task"`
	} `xml:"Body"`
}

func (h registrationFiles) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPost && strings.HasPrefix(r.URL.Path, "/sdk") && r.Body != nil {
		body, err := ioutil.ReadAll(io.LimitReader(r.Body, maxSoapRequest))
		_ = r.Body.Close()
		if err != nil {
			http.Error(w, "reading request: "+err.Error(), http.StatusBadRequest)
			return
		}
		r.Body = ioutil.NopCloser(bytes.NewReader(body))
		if bytes.Contains(body, []byte("RegisterVM_Task")) {
			h.prepare(body)
		}
	}
	h.next.ServeHTTP(w, r)
}

func (h registrationFiles) prepare(body []byte) {
	var env registerVMEnvelope
	if err := xml.Unmarshal(body, &env); err != nil || env.Body.Req == nil {
		return // the simulator answers malformed requests itself
	}
	var p object.DatastorePath
	if !p.FromString(env.Body.Req.Path) || path.Ext(p.Path) != ".vmx" {
		return
	}
	dir, ok := h.datastores[p.Datastore]
	if !ok {
		return
	}
	name := env.Body.Req.Name
	if name == "" {
		name = path.Dir(p.Path) // what the simulator names the VM then
	}
	vmDir := filepath.Join(dir, filepath.FromSlash(path.Dir(path.Clean("/"+p.Path))))
	if name != filepath.Base(name) || name == "." || name == ".." || !strings.HasPrefix(vmDir, filepath.Clean(dir)+string(filepath.Separator)) {
		return // hostile names get the simulator's own answer, and no file is created
	}
	if st, err := os.Stat(vmDir); err != nil || !st.IsDir() {
		return
	}
	if err := ensureFiles(vmDir, name); err != nil {
		log.Printf("RegisterVM %s: %v", env.Body.Req.Path, err)
	}
}
