package auth

import (
	"net/http"
	"sync"
)

// statusWriter records the status a handler answered with. It supports
// http.ResponseController through Unwrap, and Flush directly.
type statusWriter struct {
	http.ResponseWriter
	status int
}

var writerPool = sync.Pool{New: func() any { return new(statusWriter) }}

func newStatusWriter(w http.ResponseWriter) *statusWriter {
	sw := writerPool.Get().(*statusWriter)
	sw.ResponseWriter, sw.status = w, 0
	return sw
}

func (w *statusWriter) release() {
	w.ResponseWriter = nil
	writerPool.Put(w)
}

// WriteHeader records the first status.
func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 && code >= 200 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

// Write implies a 200 when no status was written.
func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Flush flushes the underlying writer when it can.
func (w *statusWriter) Flush() {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	_ = http.NewResponseController(w.ResponseWriter).Flush()
}

// Unwrap returns the underlying writer, for http.ResponseController.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Status returns the status written, 200 if only a body was, and 0 if
// nothing was.
func (w *statusWriter) Status() int { return w.status }
