package gateway

import "sync"

// copyBufferSize is the size of the buffers responses are copied through,
// the size httputil.ReverseProxy allocates for every response when it has
// no pool.
const copyBufferSize = 32 << 10

// bufferPool lends response copy buffers to every route's proxy, so a
// proxied response costs no 32 KiB allocation and leaves no garbage. It
// implements httputil.BufferPool.
type bufferPool struct{ pool sync.Pool }

func newBufferPool() *bufferPool {
	return &bufferPool{pool: sync.Pool{New: func() any { return new([copyBufferSize]byte) }}}
}

// Get returns a buffer of copyBufferSize bytes.
func (p *bufferPool) Get() []byte { return p.pool.Get().(*[copyBufferSize]byte)[:] }

// Put takes back a buffer that Get returned; any other is dropped.
func (p *bufferPool) Put(b []byte) {
	if cap(b) < copyBufferSize {
		return
	}
	p.pool.Put((*[copyBufferSize]byte)(b[:copyBufferSize]))
}
