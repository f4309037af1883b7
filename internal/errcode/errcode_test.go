package errcode_test

import (
	"errors"
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	gotoken "go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/keyward/keyward/internal/errcode"
	"github.com/keyward/keyward/token"
)

var update = flag.Bool("update", false, "rewrite the README's table of codes from the table")

// root is the repository root, two levels up.
const root = "../.."

func TestTokenCodesAgree(t *testing.T) {
	t.Parallel()
	// Every token.Code constant of the token package is in the table, with
	// the status token.Code.Status gives.
	f, err := parser.ParseFile(gotoken.NewFileSet(), filepath.Join(root, "token", "errors.go"), nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	ast.Inspect(f, func(node ast.Node) bool {
		vs, ok := node.(*ast.ValueSpec)
		if !ok || !isIdent(vs.Type, "Code") {
			return true
		}
		for _, v := range vs.Values {
			lit, ok := v.(*ast.BasicLit)
			if !ok {
				continue
			}
			code, _ := strconv.Unquote(lit.Value)
			n++
			if !errcode.Known(code) {
				t.Errorf("token code %s is not in the table", code)
			} else if got, want := errcode.Status(code), token.Code(code).Status(); got != want {
				t.Errorf("Status(%s) = %d, token.Code.Status() = %d", code, got, want)
			}
		}
		return true
	})
	if n < 19 {
		t.Errorf("found %d token codes in token/errors.go; the parse missed some", n)
	}
}

func TestStatus(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		code string
		want int
	}{
		{errcode.TokenExpired, 401}, {errcode.TokenProfile, 403}, {errcode.InvalidArgument, 400},
		{errcode.NotFound, 404}, {errcode.RateLimited, 429}, {errcode.Internal, 500},
		{errcode.RoomFull, 409}, {"NO_SUCH_CODE", 500}, {"", 500},
	} {
		if got := errcode.Status(tt.code); got != tt.want {
			t.Errorf("Status(%q) = %d, want %d", tt.code, got, tt.want)
		}
	}
	for _, e := range errcode.Table() {
		if e.Status < 400 || e.Status > 599 || e.Meaning == "" || !codeRE.MatchString(e.Code) {
			t.Errorf("table entry %+v: want an upper-case code, a 4xx or 5xx status and a meaning", e)
		}
	}
}

func TestError(t *testing.T) {
	t.Parallel()
	cause := errors.New("UNIQUE constraint failed")
	err := fmt.Errorf("create group: %w", errcode.Wrap(errcode.Conflict, "Taken.", cause))
	if !errors.Is(err, &errcode.Error{Code: errcode.Conflict}) {
		t.Errorf("errors.Is(%v, CONFLICT) = false", err)
	}
	if !errors.Is(err, &errcode.Error{Code: errcode.Conflict, Message: "Taken."}) {
		t.Errorf("errors.Is(%v, CONFLICT Taken.) = false", err)
	}
	if errors.Is(err, &errcode.Error{Code: errcode.Conflict, Message: "Other."}) || errors.Is(err, &errcode.Error{Code: errcode.NotFound}) {
		t.Errorf("errors.Is matched another message or code")
	}
	if !errors.Is(err, cause) {
		t.Errorf("the cause is not in the chain")
	}
	for _, tt := range []struct {
		err  error
		want string
	}{
		{nil, ""}, {err, errcode.Conflict}, {cause, errcode.Internal},
		{errcode.Errorf(errcode.InvalidArgument, "limit must be at most %d", 200), errcode.InvalidArgument},
	} {
		if got := errcode.CodeOf(tt.err); got != tt.want {
			t.Errorf("CodeOf(%v) = %q, want %q", tt.err, got, tt.want)
		}
	}
	if got, want := errcode.Errorf(errcode.NotFound, "no job %d", 7).Error(), "NOT_FOUND: no job 7"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

// codeRE is the shape of a code.
var codeRE = regexp.MustCompile(`^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$`)

// TestCodesDeclared fails on any code string in the repository's Go files
// (tests included) that the table does not declare. A string is taken for a
// code where code is what it can only be: the first argument of errcode's
// constructors; the value of a Code field in a composite literal; a
// constant named code… or Code…, or of type Code; the operand of a
// conversion to a Code type; and one side of a comparison with something
// named Code, code, CodeOf(…) or errCode(…).
func TestCodesDeclared(t *testing.T) {
	t.Parallel()
	fset := gotoken.NewFileSet()
	files := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case "testdata", "node_modules", ".git":
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		files++
		for _, lit := range codeLiterals(f) {
			code, _ := strconv.Unquote(lit.Value)
			if codeRE.MatchString(code) && !errcode.Known(code) {
				t.Errorf("%s: code %s is not in errcode's table (internal/errcode/table.go)", fset.Position(lit.Pos()), code)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 100 {
		t.Errorf("read %d Go files; the walk missed the tree", files)
	}
}

// codeLiterals returns the string literals of f that stand where a code
// stands.
func codeLiterals(f *ast.File) []*ast.BasicLit {
	var out []*ast.BasicLit
	add := func(e ast.Expr) {
		if lit, ok := ast.Unparen(e).(*ast.BasicLit); ok && lit.Kind == gotoken.STRING {
			out = append(out, lit)
		}
	}
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.CallExpr:
			switch {
			case isCall(n.Fun, "errcode", "New", "Errorf", "Wrap") && len(n.Args) > 0:
				add(n.Args[0])
			case (isIdent(n.Fun, "Code") || isSel(n.Fun, "Code")) && len(n.Args) == 1:
				add(n.Args[0])
			}
		case *ast.KeyValueExpr:
			if isIdent(n.Key, "Code") {
				add(n.Value)
			}
		case *ast.ValueSpec:
			named := isIdent(n.Type, "Code") || isSel(n.Type, "Code")
			for i, v := range n.Values {
				if named || (i < len(n.Names) && strings.HasPrefix(strings.ToLower(n.Names[i].Name), "code")) {
					add(v)
				}
			}
		case *ast.BinaryExpr:
			if n.Op == gotoken.EQL || n.Op == gotoken.NEQ {
				if codeLike(n.X) {
					add(n.Y)
				}
				if codeLike(n.Y) {
					add(n.X)
				}
			}
		}
		return true
	})
	return out
}

// codeLike reports whether e names a code: x.Code, code, Code, CodeOf(…),
// errCode(…).
func codeLike(e ast.Expr) bool {
	switch e := ast.Unparen(e).(type) {
	case *ast.SelectorExpr:
		return e.Sel.Name == "Code"
	case *ast.Ident:
		return e.Name == "code" || e.Name == "Code"
	case *ast.CallExpr:
		return isIdent(e.Fun, "errCode") || isIdent(e.Fun, "CodeOf") || isSel(e.Fun, "CodeOf")
	}
	return false
}

func isIdent(e ast.Expr, name string) bool {
	id, ok := e.(*ast.Ident)
	return ok && id.Name == name
}

func isSel(e ast.Expr, name string) bool {
	s, ok := e.(*ast.SelectorExpr)
	return ok && s.Sel.Name == name
}

// isCall reports whether fun is pkg.F for one of names.
func isCall(fun ast.Expr, pkg string, names ...string) bool {
	f, ok := fun.(*ast.SelectorExpr)
	return ok && isIdent(f.X, pkg) && slices.Contains(names, f.Sel.Name)
}

// The README carries the table between these two lines.
const (
	tableStart = "<!-- error codes: generated from internal/errcode/table.go; go test ./internal/errcode -update -->"
	tableEnd   = "<!-- end of error codes -->"
)

// readmeTable is the README text of the table.
func readmeTable() string {
	var b strings.Builder
	b.WriteString("| code | status | meaning |\n|---|---|---|\n")
	for _, e := range errcode.Table() {
		fmt.Fprintf(&b, "| `%s` | %d | %s |\n", e.Code, e.Status, strings.ReplaceAll(e.Meaning, "|", `\|`))
	}
	return b.String()
}

// TestDocs checks the documents that list codes against the table: the
// README's table must be the table (go test -update rewrites it), and the
// table in the token package's documentation must give every token code
// the table's status.
func TestDocs(t *testing.T) {
	t.Parallel()
	path := filepath.Join(root, "README.md")
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	readme := string(raw)
	before, rest, ok1 := strings.Cut(readme, tableStart+"\n")
	got, after, ok2 := strings.Cut(rest, tableEnd)
	if !ok1 || !ok2 {
		t.Fatalf("README.md has no table between\n%s\nand\n%s", tableStart, tableEnd)
	}
	want := readmeTable()
	switch {
	case got == want:
	case *update:
		if err := os.WriteFile(path, []byte(before+tableStart+"\n"+want+tableEnd+after), 0o644); err != nil {
			t.Fatal(err)
		}
	default:
		t.Errorf("README.md's table of codes differs from internal/errcode/table.go; run go test ./internal/errcode -update, or paste:\n%s", want)
	}

	doc, err := os.ReadFile(filepath.Join(root, "token", "doc.go"))
	if err != nil {
		t.Fatal(err)
	}
	row := regexp.MustCompile(`(?m)^\t([A-Z][A-Z_]+)\s+(\d{3})\s`)
	seen := map[string]bool{}
	for _, m := range row.FindAllStringSubmatch(string(doc), -1) {
		seen[m[1]] = true
		if got, _ := strconv.Atoi(m[2]); got != errcode.Status(m[1]) {
			t.Errorf("token/doc.go lists %s with %d; the table says %d", m[1], got, errcode.Status(m[1]))
		}
	}
	for _, c := range []token.Code{
		token.CodeMissing, token.CodeMalformed, token.CodeTooLarge, token.CodeAlg, token.CodeSignature,
		token.CodeUnknownKey, token.CodeClaimMissing, token.CodeClaimInvalid, token.CodeExpired,
		token.CodeNotYetValid, token.CodeStale, token.CodeLifetime, token.CodeBinding, token.CodeProfile,
		token.CodeReplayed, token.CodeRevoked, token.CodeConflict, token.CodeGroupNotGranted, token.CodePermissionDenied,
	} {
		if !seen[string(c)] {
			t.Errorf("token/doc.go does not list %s", c)
		}
	}
}

// TestCodeLiterals pins the places TestCodesDeclared looks at, so that the
// scan cannot quietly stop seeing codes.
func TestCodeLiterals(t *testing.T) {
	t.Parallel()
	const src = `package x
const codeGone = "C1"
const (
	CodeX token.Code = "C2"
	Other            = "NOT_A_CODE_PLACE"
)
var e = &client.Error{Code: "C3"}
var f = errcode.Errorf("C4", "x %d", 1)
var g = errcode.Wrap("C5", "x", nil)
var h = token.Code("C6")
func y() bool { return errCode(t, raw) != "C7" || e.Code == "C8" || "C9" == code || fmt.Sprint("NOT_EITHER") == "" }
`
	f, err := parser.ParseFile(gotoken.NewFileSet(), "x.go", src, 0)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, lit := range codeLiterals(f) {
		s, _ := strconv.Unquote(lit.Value)
		got = append(got, s)
	}
	slices.Sort(got)
	want := []string{"C1", "C2", "C3", "C4", "C5", "C6", "C7", "C8", "C9"}
	if !slices.Equal(got, want) {
		t.Errorf("codeLiterals found %q, want %q", got, want)
	}
}
