package certcache_test

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/sesame-go/sesame/certcache"
)

// Reading the record of MilleGrilles' documentation and verifying its chain, on
// the day it was valid.
func ExampleDecodeRecord() {
	record, _ := os.ReadFile("testdata/seed-record.json")
	rootPEM, _ := os.ReadFile("testdata/millegrille-root.pem")
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(rootPEM)

	chain, err := certcache.DecodeRecord(record)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(chain.Fingerprint())
	fmt.Println(chain.Role(), chain.Exchanges(), chain.InstanceID())
	fmt.Println(chain.Verify(roots, time.Unix(1717000000, 0)))
	// Output:
	// e47052a4ec2461152f0efe577305a0dc16836dfea36b4bd7d5ec6f875b0497b6
	// maitrecomptes [2.prive 1.public] 5cb9d50e-110e-421a-b944-523b60af4c3b
	// <nil>
}

// The IDMG of a MilleGrille is computed from its root certificate.
func ExampleIDMG() {
	rootPEM, _ := os.ReadFile("testdata/millegrille-root.pem")
	block, _ := pem.Decode(rootPEM)
	root, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		fmt.Println(err)
		return
	}
	idmg, err := certcache.IDMG(root)
	fmt.Println(idmg, err)
	// Output: zeYncRqEqZ6eTEmUZ8whJFuHG796eSvCTWE4M432izXrp22bAtwGm7Jf <nil>
}

// A MemoryCache holds verified chains for a service without Redis.
func ExampleMemoryCache() {
	record, _ := os.ReadFile("testdata/seed-record.json")
	rootPEM, _ := os.ReadFile("testdata/millegrille-root.pem")
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(rootPEM)
	cache, err := certcache.NewMemoryCache(certcache.Config{
		Roots: roots,
		Now:   func() time.Time { return time.Unix(1717000000, 0) }, // the seed's day
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	chain, _ := certcache.DecodeRecord(record)
	ctx := context.Background()
	fmt.Println(cache.Put(ctx, chain))
	got, err := cache.Get(ctx, "e47052a4ec2461152f0efe577305a0dc16836dfea36b4bd7d5ec6f875b0497b6")
	fmt.Println(got.IDMG(), err)
	// Output:
	// <nil>
	// zeYncRqEqZ6eTEmUZ8whJFuHG796eSvCTWE4M432izXrp22bAtwGm7Jf <nil>
}

// A RedisCache on MilleGrilles' DB 0.
func ExampleNewRedisCache() {
	rootPEM, _ := os.ReadFile("testdata/millegrille-root.pem")
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(rootPEM)
	client := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379", DB: 0})
	certs, err := certcache.NewRedisCache(client, certcache.Config{Roots: roots})
	if err != nil {
		fmt.Println(err)
		return
	}
	_ = certs // certs.Get(ctx, fingerprint), certs.Put(ctx, chain)
}
