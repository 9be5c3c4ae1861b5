// srfake: franz-go's in-memory Confluent schema registry (pkg/sr/srfake), as a
// third-party registry for the tests. Listens on 127.0.0.1 (port 0 = any),
// prints URL=http://127.0.0.1:PORT and serves until its stdin reaches EOF.
//
//	srfake [-addr 127.0.0.1:0] [-auth "Basic ..."]
package main

import (
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"

	"github.com/twmb/franz-go/pkg/sr/srfake"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	auth := flag.String("auth", "", "exact Authorization header to require")
	flag.Parse()

	var opts []srfake.Option
	if *auth != "" {
		opts = append(opts, srfake.WithAuth(*auth))
	}
	reg := srfake.NewRegistry(opts...)
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "srfake:", err)
		os.Exit(3)
	}
	go func() {
		_ = http.Serve(ln, reg.Handler())
	}()
	fmt.Printf("URL=http://%s\n", ln.Addr())
	_, _ = io.Copy(io.Discard, os.Stdin)
	ln.Close()
}
