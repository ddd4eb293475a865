package session

import "encoding/json"

// Record is a decoded session record, independent of its serialisation.
//
// Values keep their insertion order and their raw JSON text, so a record read from
// another service and written back is unchanged apart from what this service
// changed: nested values, large integers and key order survive.
type Record struct {
	// Created is the unix time in seconds of the last change, aiohttp_session's
	// "created". Zero in a cleared record.
	Created int64
	// Values are the session's entries in insertion order, keys unique.
	Values []Field
}

// Field is one named raw JSON value.
type Field struct {
	Key   string          // the member name
	Value json.RawMessage // its value, as stored
}

// Cleared reports whether r is the empty record {} that aiohttp_session stores
// when a session is emptied: it stands for no session at all.
func (r *Record) Cleared() bool {
	return r.Created == 0 && len(r.Values) == 0
}

// index returns the position of key in r.Values, or -1.
func (r *Record) index(key string) int {
	for i := range r.Values {
		if r.Values[i].Key == key {
			return i
		}
	}
	return -1
}

// get returns the raw value of key.
func (r *Record) get(key string) (json.RawMessage, bool) {
	if i := r.index(key); i >= 0 {
		return r.Values[i].Value, true
	}
	return nil, false
}

// set replaces key's value in place, or appends it.
func (r *Record) set(key string, v json.RawMessage) {
	if i := r.index(key); i >= 0 {
		r.Values[i].Value = v
		return
	}
	r.Values = append(r.Values, Field{Key: key, Value: v})
}

// del removes key, keeping the order of the others.
func (r *Record) del(key string) {
	if i := r.index(key); i >= 0 {
		r.Values = append(r.Values[:i], r.Values[i+1:]...)
	}
}

// clone returns a deep enough copy: the slices are new, the raw values (never
// mutated in place) are shared.
func (r *Record) clone() *Record {
	c := &Record{Created: r.Created}
	c.Values = append([]Field(nil), r.Values...)
	return c
}
