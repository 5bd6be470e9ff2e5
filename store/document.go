package store

import (
	"bytes"
	"sync"

	"mimbot/mim"
)

// maxDocuments bounds the document cache: more incidents than a list shows, few
// enough that the copies held stay a few megabytes.
const maxDocuments = 4096

// documents keeps the last parsed document of each incident a list read, with the
// bytes it was parsed from. Lists (list, the queue, the status page, the digest) read
// the same open incidents again and again, and parsing their JSON was most of a
// list's work in Go; a row whose document is byte for byte the one parsed before
// reuses the parse. Any change to an incident changes its bytes, so the cache is
// never stale, on any replica.
type documents struct {
	mu sync.Mutex
	m  map[int]document
}

type document struct {
	data []byte
	rec  *incidentRecord // read-only once cached
}

// decode sets inc's document fields from data, parsing it only when it differs
// from what incident inc.Number's document was when last parsed. data may be
// sql.RawBytes: it is copied before it is kept.
func (c *documents) decode(data []byte, inc *mim.Incident) error {
	c.mu.Lock()
	d, ok := c.m[inc.Number]
	c.mu.Unlock()
	if !ok || !bytes.Equal(d.data, data) {
		rec, err := unmarshalIncident(data, inc.Number)
		if err != nil {
			return err
		}
		d = document{data: bytes.Clone(data), rec: rec}
		c.mu.Lock()
		if c.m == nil || len(c.m) >= maxDocuments {
			c.m = make(map[int]document)
		}
		c.m[inc.Number] = d
		c.mu.Unlock()
	}
	d.rec.apply(inc)
	return nil
}
