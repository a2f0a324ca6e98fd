package main

import (
	"bytes"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/corti-auth/corti-auth/session"
)

// jsImports are the packages that reach JavaScript. (Spelled in two parts so
// that text searches for files importing them do not match this test.)
var jsImports = map[string]bool{"syscall" + "/js": true, safejsPath: true}

const safejsPath = "github.com/hack-pad" + "/safejs"

// goFile is a Go file of the repository, parsed for its imports.
type goFile struct {
	path      string // slash-separated, relative to the root
	firstLine string
	imports   []string
}

// goFiles parses every .go file of the repository (imports only, whatever its
// build tags), skipping node_modules, dist and dot folders.
func goFiles(t *testing.T) []goFile {
	t.Helper()
	var files []goFile
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "node_modules" || d.Name() == "dist" || strings.HasPrefix(d.Name(), ".")) && path != "." {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly|parser.ParseComments)
		if err != nil {
			return err
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		first, _, _ := bytes.Cut(src, []byte("\n"))
		g := goFile{path: filepath.ToSlash(path), firstLine: string(bytes.TrimSpace(first))}
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			g.imports = append(g.imports, p)
		}
		files = append(files, g)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 50 {
		t.Fatalf("found only %d Go files: the walk is broken", len(files))
	}
	return files
}

// importsJS reports the first of f's imports that reaches JavaScript ("" for none).
func (f goFile) importsJS() string {
	for _, p := range f.imports {
		if jsImports[p] {
			return p
		}
	}
	return ""
}

const jsBuildTag = "//go:build js && wasm"

// TestJSFilesCarryBuildTags fails when a Go file that imports syscall/js or
// safejs lacks the `//go:build js && wasm` line: without it `go test ./...`
// stops working natively.
func TestJSFilesCarryBuildTags(t *testing.T) {
	checked := 0
	for _, f := range goFiles(t) {
		if f.importsJS() == "" {
			continue
		}
		checked++
		if f.firstLine != jsBuildTag {
			t.Errorf("%s imports syscall/js or safejs but its first line is %q, not %s", f.path, f.firstLine, jsBuildTag)
		}
	}
	if checked == 0 {
		t.Fatal("found no file that imports JS: the walk is broken")
	}
}

// jsAllowed reports whether the file at path (slash-separated) may import
// syscall/js or safejs: the adapters of bridge/, the helpers of internal/jsx/,
// the browser half of storage/ (its js && wasm files), the wasm's entry point
// main_wasm.go (it takes the loader's hooks object from the page and resolves it
// with bridge's namespace), and web/bench/floor, the benchmark's minimal wasm
// that start-up is measured against (a separate main, not part of the module's
// API).
func jsAllowed(f goFile) bool {
	switch {
	case strings.HasPrefix(f.path, "bridge/"), strings.HasPrefix(f.path, "internal/jsx/"):
		return true
	case strings.HasPrefix(f.path, "storage/") && !strings.Contains(strings.TrimPrefix(f.path, "storage/"), "/"):
		return f.firstLine == jsBuildTag
	case f.path == "main_wasm.go", strings.HasPrefix(f.path, "web/bench/floor/"):
		return true
	}
	return false
}

// TestOnlyAdaptersImportJS (safejs's jsguard idea): no Go file outside the
// adapters named by jsAllowed imports syscall/js or safejs, so every decision
// stays in packages that test natively.
func TestOnlyAdaptersImportJS(t *testing.T) {
	for _, f := range goFiles(t) {
		if p := f.importsJS(); p != "" && !jsAllowed(f) {
			t.Errorf("%s imports %s: only bridge/, internal/jsx/ and storage/'s js && wasm files reach JavaScript (move the decision into a pure package behind a small interface)", f.path, p)
		}
	}
}

func goEnv(t *testing.T, key string) string {
	t.Helper()
	out, err := exec.Command("go", "env", key).Output()
	if err != nil {
		t.Fatalf("go env %s: %v", key, err)
	}
	return strings.TrimSpace(string(out))
}

// TestWasmExecMatchesToolchain fails when wasm_exec.js is not the toolchain's:
// a mismatched glue file breaks the module at run time.
func TestWasmExecMatchesToolchain(t *testing.T) {
	want, err := os.ReadFile(filepath.Join(goEnv(t, "GOROOT"), "lib", "wasm", "wasm_exec.js"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("wasm_exec.js")
	if err != nil {
		t.Fatalf("%v (run make wasm_exec.js)", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("wasm_exec.js differs from $(go env GOROOT)/lib/wasm/wasm_exec.js: run `make wasm_exec.js`")
	}
}

func wasmDeps(t *testing.T, pkgs ...string) map[string]bool {
	t.Helper()
	cmd := exec.Command("go", append([]string{"list", "-deps"}, pkgs...)...)
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list -deps %v: %v", pkgs, err)
	}
	deps := map[string]bool{}
	for _, l := range strings.Fields(string(out)) {
		deps[l] = true
	}
	return deps
}

// TestWasmDoesNotLinkNetHTTP: net/http adds ~6 MB raw / 1 MB brotli; HTTP goes
// through the browser's fetch.
func TestWasmDoesNotLinkNetHTTP(t *testing.T) {
	deps := wasmDeps(t, ".")
	if !deps["github.com/corti-auth/corti-auth/bridge"] {
		t.Fatal("the main package does not depend on bridge: the dependency list is wrong")
	}
	for _, bad := range []string{"net/http", "golang.org/x/oauth2"} {
		if deps[bad] {
			t.Errorf("the wasm build links %s", bad)
		}
	}
}

// TestPurePackagesDoNotTouchJS: everything decidable without a browser is pure
// Go, so it tests natively. None of these packages imports JS or net/http itself (under
// GOOS=js the standard library's syscall does, so the closure cannot be
// checked for syscall/js); and apart from auth, which reaches the browser half
// of storage (and errcode, which names auth's errors), none depends on safejs.
func TestPurePackagesDoNotTouchJS(t *testing.T) {
	for _, p := range []string{"./pkce", "./token", "./session", "./assistant", "./hub", "./auth", "./errcode", "./internal/clock", "./internal/fault"} {
		cmd := exec.Command("go", "list", "-f", "{{join .Imports \" \"}}", p)
		cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("go list %s: %v", p, err)
		}
		for _, imp := range strings.Fields(string(out)) {
			// No JS, and no HTTP stack: requests go through an injected fetcher.
			if jsImports[imp] || strings.HasSuffix(imp, "/bridge") || imp == "net/http" ||
				strings.HasPrefix(imp, "net/http/") || imp == "github.com/golang-jwt/jwt/v5/request" {
				t.Errorf("%s imports %s", p, imp)
			}
		}
		if p == "./auth" || p == "./errcode" {
			continue
		}
		if deps := wasmDeps(t, p); deps[safejsPath] {
			t.Errorf("%s depends on safejs under GOOS=js", p)
		}
	}
}

// TestGoBuildsNoFunctionFromSource: the JS the bridge needs (the API's classes
// of makeObjects, CortiAuthError) exists once, in web/loader/core.js, and reaches Go
// through the loader's hooks. A Go copy built with the Function constructor
// or eval would drift from the loader's and fail under a strict
// Content-Security-Policy (no 'unsafe-eval'). Test files may build fixtures.
func TestGoBuildsNoFunctionFromSource(t *testing.T) {
	checked := 0
	for _, dir := range []string{".", "bridge", "storage"} {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			checked++
			for _, bad := range []string{`Get("Function")`, `Get("eval")`} {
				if bytes.Contains(src, []byte(bad)) {
					t.Errorf("%s looks up %s: take the helper from the loader (web/loader/core.js) instead", f, bad)
				}
			}
		}
	}
	if checked < 10 {
		t.Fatalf("checked only %d files: the walk is broken", checked)
	}
}

// Patterns of TestRepositoryReferencesOnlyItself. The forbidden names are
// spelled in parts so that this file does not match them itself.
var (
	// Paths of the machine the project was written on, never of a user's.
	outsideNames = []string{".." + "/shared", "/tmp" + "/iss", "shared" + "/seeds", "shared" + "/docs"}
	// An absolute path into a home or work directory.
	absHomePath = regexp.MustCompile(`(?:^|[\s"'` + "`" + `(=:])(/(?:home|root|Users|work|mnt)/[^\s"'` + "`" + `)]+)`)
	// A relative path that starts by climbing to the parent folder.
	climbingPath = regexp.MustCompile(`(?:^|[\s"'` + "`" + `(=\[])((?:\./)?(?:\.\./)+[A-Za-z0-9_.@-][^\s"'` + "`" + `)<>,;\]]*)`)
	// A path into the repository's docs/ folder, not part of a longer path or URL.
	docsPath = regexp.MustCompile(`(?:^|[^A-Za-z0-9_./-])(docs/[A-Za-z0-9_.*/-]*[A-Za-z0-9_*])`)
	// A Markdown link target.
	mdLink = regexp.MustCompile(`\]\(([^)\s]+)\)`)
)

// repoFiles lists the repository's text files (tracked and new, not ignored),
// relative to the root.
func repoFiles(t *testing.T) []string {
	t.Helper()
	var files []string
	if out, err := exec.Command("git", "ls-files", "-co", "--exclude-standard").Output(); err == nil {
		files = strings.Split(strings.TrimSpace(string(out)), "\n")
	} else {
		err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && path != "." && (d.Name() == "node_modules" || d.Name() == "dist" || strings.HasPrefix(d.Name(), ".")) {
				return filepath.SkipDir
			}
			if !d.IsDir() {
				files = append(files, path)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	var text []string
	for _, f := range files {
		switch filepath.Ext(f) {
		case ".png", ".jpg", ".ico", ".wasm", ".gz", ".br":
			continue
		}
		if base := filepath.Base(f); base == "package-lock.json" || base == "go.sum" {
			continue
		}
		text = append(text, filepath.ToSlash(f))
	}
	return text
}

// TestRepositoryReferencesOnlyItself fails when a file names a path outside
// the repository — the author's machine (the shared folders, a home or work
// directory) or a relative path that climbs out of the root — or a docs/ file,
// or a Markdown link target, that does not exist. A user of the repository has
// only the repository.
func TestRepositoryReferencesOnlyItself(t *testing.T) {
	root, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	exists := func(rel string) bool {
		if strings.ContainsAny(rel, "*?[") {
			m, _ := filepath.Glob(filepath.Join(root, rel))
			return len(m) > 0
		}
		_, err := os.Stat(filepath.Join(root, rel))
		return err == nil
	}
	files := repoFiles(t)
	if len(files) < 50 {
		t.Fatalf("found only %d files: the listing is broken", len(files))
	}
	docsRefs := 0
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			if os.IsNotExist(err) {
				continue // deleted but not yet committed
			}
			t.Fatal(err)
		}
		if bytes.IndexByte(src[:min(len(src), 8000)], 0) >= 0 {
			continue // binary
		}
		s := string(src)
		for _, name := range outsideNames {
			if strings.Contains(s, name) {
				t.Errorf("%s refers to %q, a path outside the repository", f, name)
			}
		}
		for _, m := range absHomePath.FindAllStringSubmatch(s, -1) {
			t.Errorf("%s refers to %s, an absolute path outside the repository", f, m[1])
		}
		for _, m := range climbingPath.FindAllStringSubmatch(s, -1) {
			target := filepath.Join(filepath.Dir(f), m[1])
			if target == ".." || strings.HasPrefix(target, "../") {
				t.Errorf("%s refers to %s, which leaves the repository", f, m[1])
			}
		}
		for _, m := range docsPath.FindAllStringSubmatch(s, -1) {
			docsRefs++
			if !exists(strings.TrimSuffix(m[1], ".")) {
				t.Errorf("%s refers to %s, which does not exist", f, m[1])
			}
		}
		if strings.HasSuffix(f, ".md") {
			for _, m := range mdLink.FindAllStringSubmatch(s, -1) {
				target, _, _ := strings.Cut(m[1], "#")
				if target == "" || strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
					continue
				}
				if !exists(filepath.Join(filepath.Dir(f), target)) {
					t.Errorf("%s links to %s, which does not exist", f, m[1])
				}
			}
		}
	}
	if docsRefs == 0 {
		t.Fatal("found no reference to docs/: the patterns are broken")
	}
}

// TestPackageLayers: the pure packages depend on each other only downwards.
// The JS error table (errcode) sits above them all, so none of them imports
// another just for an error code; the Clock the session and the Assistant share
// is internal/clock, so the Assistant does not depend on the session; and the
// leaves (internal/clock, internal/fault, pkce, token) depend on no other
// package of the module.
func TestPackageLayers(t *testing.T) {
	const mod = "github.com/corti-auth/corti-auth/"
	forbidden := map[string][]string{
		"./auth":           {"assistant", "errcode", "bridge"},
		"./assistant":      {"session", "auth", "errcode", "storage", "bridge"},
		"./session":        {"assistant", "auth", "errcode", "storage", "bridge"},
		"./hub":            {"auth", "errcode", "storage", "bridge"},
		"./storage":        {"auth", "session", "assistant", "errcode", "bridge"},
		"./pkce":           {"internal/clock", "internal/fault", "token", "session", "assistant", "auth", "errcode", "storage"},
		"./token":          {"internal/clock", "internal/fault", "pkce", "session", "assistant", "auth", "errcode", "storage"},
		"./internal/clock": {"internal/fault", "pkce", "token", "session", "assistant", "auth", "errcode", "storage"},
		"./internal/fault": {"internal/clock", "pkce", "token", "session", "assistant", "auth", "errcode", "storage"},
		"./internal/jsx":   {"internal/clock", "internal/fault", "internal/body", "pkce", "token", "session", "assistant", "auth", "errcode", "storage", "bridge"},
		"./internal/body":  {"internal/clock", "internal/fault", "token", "session", "assistant", "auth", "errcode", "storage", "bridge"},
	}
	for p, bad := range forbidden {
		deps := wasmDeps(t, p)
		for _, b := range bad {
			if deps[mod+b] {
				t.Errorf("%s depends on %s", p, b)
			}
		}
	}
}

// TestDocsStateContractValues: the values the API documentation promises are
// the ones the code uses (each defined once, in the pure package that uses it).
func TestDocsStateContractValues(t *testing.T) {
	for _, c := range []struct{ file, doc, what string }{
		{"docs/api.md", "it waits " + strconv.FormatInt(session.SiblingWait.Milliseconds(), 10) + " ms for an answer", "restore()'s wait for a sibling tab (session.SiblingWait)"},
		{"docs/api.md", "another tab waits up to " + strconv.FormatInt(int64(session.PublishSettle.Seconds()), 10) + " s for that tab's tokens", "a lock holder's wait for the last holder's tokens (session.PublishSettle)"},
		{"README.md", "| `refreshBufferSeconds` | `" + strconv.Itoa(int(session.DefaultBuffer.Seconds())) + "` |", "the refresh buffer's default (session.DefaultBuffer)"},
	} {
		b, err := os.ReadFile(c.file)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(b, []byte(c.doc)) {
			t.Errorf("%s does not say %q: %s", c.file, c.doc, c.what)
		}
	}
}
