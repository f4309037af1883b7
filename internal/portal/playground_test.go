package portal

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keyward/keyward/internal/testenv"
)

func TestBuildSnippets(t *testing.T) {
	t.Parallel()
	const key = "0123456789abcdef01234567"
	for _, pp := range playgroundProfiles {
		snippets := buildSnippets(pp, key, "https://keyward.example")
		if len(snippets) != 4 {
			t.Fatalf("%s: %d snippets, want 4", pp.Name, len(snippets))
		}
		for _, s := range snippets {
			if !strings.Contains(s.Code, key) {
				t.Errorf("%s/%s: snippet lacks the key", pp.Name, s.ID)
			}
			if !strings.Contains(s.Code, "KEYWARD_SECRET") {
				t.Errorf("%s/%s: snippet does not read KEYWARD_SECRET", pp.Name, s.ID)
			}
			if pp.Path != "" && !strings.Contains(s.Code, "https://keyward.example"+pp.Path) {
				t.Errorf("%s/%s: snippet does not call %s", pp.Name, s.ID, pp.Path)
			}
		}
		if goCode := snippets[2].Code; !strings.Contains(goCode, "token."+goProfileNames[pp.Name]+",") {
			t.Errorf("%s: Go snippet does not use token.%s", pp.Name, goProfileNames[pp.Name])
		}
	}
}

// TestSnippetsCompile checks that the Go snippets build against this
// module's token package and that the Python and Node snippets parse.
func TestSnippetsCompile(t *testing.T) {
	t.Parallel()
	goCmd := testenv.Command(t, "go")
	out, err := exec.Command(goCmd, "env", "GOMOD").Output()
	if err != nil {
		t.Fatal(err)
	}
	root := filepath.Dir(strings.TrimSpace(string(out)))
	dir := t.TempDir()
	for _, pp := range playgroundProfiles {
		snippets := buildSnippets(pp, "0123456789abcdef01234567", "http://127.0.0.1:8080")
		goFile := filepath.Join(dir, pp.Name+".go")
		if err := os.WriteFile(goFile, []byte(snippets[2].Code), 0o644); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(goCmd, "vet", goFile)
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("%s: the Go snippet does not build: %v\n%s\n%s", pp.Name, err, out, snippets[2].Code)
		}
		pyFile := filepath.Join(dir, pp.Name+".py")
		os.WriteFile(pyFile, []byte(snippets[1].Code), 0o644)
		if out, err := exec.Command(testenv.Command(t, "python3"), "-m", "py_compile", pyFile).CombinedOutput(); err != nil {
			t.Errorf("%s: the Python snippet does not parse: %v\n%s", pp.Name, err, out)
		}
		jsFile := filepath.Join(dir, pp.Name+".js")
		os.WriteFile(jsFile, []byte(snippets[0].Code), 0o644)
		if out, err := exec.Command(testenv.Command(t, "node"), "--check", jsFile).CombinedOutput(); err != nil {
			t.Errorf("%s: the Node snippet does not parse: %v\n%s", pp.Name, err, out)
		}
	}
}
