// Command keyward is the keyward platform in one binary: the server, the token
// tool, the admin client and the offline audio tools. Run "keyward --help".
package main

import (
	"os"

	"github.com/keyward/keyward/internal/cmd/factory"
	"github.com/keyward/keyward/internal/cmd/root"
)

var version = "dev"

func main() {
	os.Exit(root.Main(factory.New(version), os.Args[1:]))
}
