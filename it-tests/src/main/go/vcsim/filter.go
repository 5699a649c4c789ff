package main

import (
	"bytes"
	"net/http"
	"regexp"
	"strconv"
	"strings"
)

// xsiNamespace is the XML Schema instance namespace that carries xsi:type.
const xsiNamespace = "http://www.w3.org/2001/XMLSchema-instance"

var (
	// startTag matches one XML start tag (or empty-element tag) with its attributes.
	startTag = regexp.MustCompile(`<([A-Za-z_][\w.:-]*)((?:\s+[\w.:-]+="[^"]*")+)\s*(/?)>`)
	// attribute matches one name="value" pair inside a start tag.
	attribute = regexp.MustCompile(`([\w.:-]+)="([^"]*)"`)
)

// rewriteSoap makes a SOAP response written by Go's XML encoder read like one written
// by a real VMware host: the schema-instance prefix is "xsi" (Go invents the prefix
// "XMLSchema-instance" and declares it on every element that uses it), and on
// managed-object references the "type" attribute comes first. vijava 5.1 depends on both.
func rewriteSoap(body []byte) []byte {
	return startTag.ReplaceAllFunc(body, func(tag []byte) []byte {
		m := startTag.FindSubmatch(tag)
		name, attrs, empty := m[1], m[2], m[3]
		var typeAttr string
		var rest []string
		for _, a := range attribute.FindAllSubmatch(attrs, -1) {
			key, value := string(a[1]), string(a[2])
			switch {
			case key == "xmlns:XMLSchema-instance" && value == xsiNamespace:
				// The envelope already declares xmlns:xsi; drop the invented prefix.
				continue
			case strings.HasPrefix(key, "XMLSchema-instance:"):
				key = "xsi:" + strings.TrimPrefix(key, "XMLSchema-instance:")
			case key == "type":
				typeAttr = key + `="` + value + `"`
				continue
			}
			rest = append(rest, key+`="`+value+`"`)
		}
		if typeAttr != "" {
			rest = append([]string{typeAttr}, rest...)
		}
		var out bytes.Buffer
		out.WriteByte('<')
		out.Write(name)
		for _, a := range rest {
			out.WriteByte(' ')
			out.WriteString(a)
		}
		out.Write(empty)
		out.WriteByte('>')
		return out.Bytes()
	})
}

// soapFilter buffers each SOAP response of the wrapped handler and rewrites it with rewriteSoap.
type soapFilter struct {
	next http.Handler
}

func (f soapFilter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || !strings.HasPrefix(r.URL.Path, "/sdk") {
		f.next.ServeHTTP(w, r)
		return
	}
	rec := &bufferedResponse{header: http.Header{}, status: http.StatusOK}
	f.next.ServeHTTP(rec, r)
	body := rewriteSoap(rec.body.Bytes())
	for k, v := range rec.header {
		w.Header()[k] = v
	}
	if w.Header().Get("Content-Type") == "" {
		w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(rec.status)
	_, _ = w.Write(body)
}

// bufferedResponse is an http.ResponseWriter that keeps the whole response in memory.
type bufferedResponse struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (b *bufferedResponse) Header() http.Header         { return b.header }
func (b *bufferedResponse) WriteHeader(status int)      { b.status = status }
func (b *bufferedResponse) Write(p []byte) (int, error) { return b.body.Write(p) }
