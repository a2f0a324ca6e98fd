package main

import (
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/corti-auth/corti-auth/errcode"
)

// The JS error contract has one source, errcode/errcode.go; README's error table and
// the TypeScript declarations are checked against it here, in both directions.

const dtsPath = "web/types/corti-auth.d.ts"

var backticked = regexp.MustCompile("`([^`]+)`")

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// readmeSection returns the lines of README.md's section "## title", up to the
// next heading of that level.
func readmeSection(t *testing.T, title string) []string {
	t.Helper()
	lines := strings.Split(readFile(t, "README.md"), "\n")
	for i, l := range lines {
		if l != "## "+title {
			continue
		}
		end := i + 1
		for end < len(lines) && !strings.HasPrefix(lines[end], "## ") {
			end++
		}
		return lines[i+1 : end]
	}
	t.Fatalf("README.md has no section %q", title)
	return nil
}

// readmeErrorTable returns the codes of README's error table (each row's first
// cell, which may name several) and the row of each code.
func readmeErrorTable(t *testing.T) (codes []string, rows map[string]string) {
	t.Helper()
	rows = map[string]string{}
	for _, l := range readmeSection(t, "Errors") {
		if !strings.HasPrefix(l, "| `") {
			continue
		}
		cell := strings.SplitN(l, "|", 3)[1]
		for _, m := range backticked.FindAllStringSubmatch(cell, -1) {
			codes = append(codes, m[1])
			rows[m[1]] = l
		}
	}
	if len(codes) == 0 {
		t.Fatal("README.md's Errors section has no table of codes")
	}
	return codes, rows
}

// readmeChecks returns the ID-token checks README's id_token_invalid row names:
// the backticked words after "`check` names it (", up to ")" or ";".
func readmeChecks(t *testing.T) []string {
	t.Helper()
	_, rows := readmeErrorTable(t)
	row, ok := rows["id_token_invalid"]
	if !ok {
		t.Fatal("README.md's error table has no id_token_invalid row")
	}
	_, after, ok := strings.Cut(row, "`check` names it (")
	list, _, ok2 := strings.Cut(after, ")")
	if !ok || !ok2 {
		t.Fatalf("README.md's id_token_invalid row does not list the checks as \"`check` names it (`…`, …)\": %s", row)
	}
	list, _, _ = strings.Cut(list, ";") // what follows explains some of them
	var checks []string
	for _, m := range backticked.FindAllStringSubmatch(list, -1) {
		checks = append(checks, m[1])
	}
	return checks
}

// readmeEndedReasons returns the reasons of README's "- `ended` reasons:"
// bullet (in the Session section).
func readmeEndedReasons(t *testing.T) []string {
	t.Helper()
	lines := strings.Split(readFile(t, "README.md"), "\n")
	for i, l := range lines {
		if !strings.HasPrefix(l, "- `ended` reasons:") {
			continue
		}
		text := strings.TrimPrefix(l, "- `ended` reasons:")
		for _, more := range lines[i+1:] {
			if !strings.HasPrefix(more, "  ") {
				break
			}
			text += " " + more
		}
		var reasons []string
		for _, m := range backticked.FindAllStringSubmatch(text, -1) {
			reasons = append(reasons, m[1])
		}
		return reasons
	}
	t.Fatal("README.md has no \"- `ended` reasons:\" bullet")
	return nil
}

// dtsUnion returns the string literals of the union type name in the .d.ts
// (`export type name = | "a" | "b" | (string & {});`), and whether it is open
// (admits any string besides).
func dtsUnion(t *testing.T, name string) (members []string, open bool) {
	t.Helper()
	src := readFile(t, dtsPath)
	re := regexp.MustCompile(`(?s)export type ` + name + `\s*=\s*(.*?);`)
	m := re.FindStringSubmatch(src)
	if m == nil {
		t.Fatalf("%s declares no type %s", dtsPath, name)
	}
	for _, part := range strings.Split(m[1], "|") {
		part = strings.TrimSpace(part)
		switch {
		case part == "":
		case part == "(string & {})":
			open = true
		case len(part) >= 2 && part[0] == '"' && part[len(part)-1] == '"':
			members = append(members, part[1:len(part)-1])
		default:
			t.Fatalf("%s: member %q of %s is not a string literal", dtsPath, part, name)
		}
	}
	return members, open
}

// sameSet reports what one list has that the other lacks, and duplicates.
func sameSet(t *testing.T, what, srcName string, src []string, goName string, goList []string) {
	t.Helper()
	in := func(l []string) map[string]int {
		m := map[string]int{}
		for _, s := range l {
			m[s]++
		}
		return m
	}
	a, b := in(src), in(goList)
	var missing, extra, dup []string
	for k, n := range a {
		if b[k] == 0 {
			extra = append(extra, k)
		}
		if n > 1 {
			dup = append(dup, k)
		}
	}
	for k := range b {
		if a[k] == 0 {
			missing = append(missing, k)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	sort.Strings(dup)
	if len(missing) > 0 {
		t.Errorf("%s: %s lacks %q, which %s has", what, srcName, missing, goName)
	}
	if len(extra) > 0 {
		t.Errorf("%s: %s has %q, which %s lacks", what, srcName, extra, goName)
	}
	if len(dup) > 0 {
		t.Errorf("%s: %s lists %q more than once", what, srcName, dup)
	}
}

func TestErrorContractREADME(t *testing.T) {
	codes, _ := readmeErrorTable(t)
	sameSet(t, "error codes", "README.md's error table", codes, "errcode.Codes", errcode.Codes)
	sameSet(t, "ID-token checks", "README.md's id_token_invalid row", readmeChecks(t), "errcode.IDTokenChecks", errcode.IDTokenChecks)
	sameSet(t, "ended reasons", "README.md's `ended` reasons", readmeEndedReasons(t), "errcode.EndedReasons", errcode.EndedReasons)
}

func TestErrorContractTypes(t *testing.T) {
	codes, open := dtsUnion(t, "CortiAuthErrorCode")
	if open {
		t.Errorf("%s: CortiAuthErrorCode must be closed: the codes are the contract", dtsPath)
	}
	sameSet(t, "error codes", dtsPath+" CortiAuthErrorCode", codes, "errcode.Codes", errcode.Codes)
	checks, open := dtsUnion(t, "IDTokenCheck")
	if open {
		t.Errorf("%s: IDTokenCheck must be closed", dtsPath)
	}
	sameSet(t, "ID-token checks", dtsPath+" IDTokenCheck", checks, "errcode.IDTokenChecks", errcode.IDTokenChecks)
	reasons, open := dtsUnion(t, "EndedReason")
	if !open {
		// A final OAuth error other than invalid_grant ends a session with its
		// own code as the reason.
		t.Errorf("%s: EndedReason must stay open ((string & {})): a final OAuth error gives its own code", dtsPath)
	}
	sameSet(t, "ended reasons", dtsPath+" EndedReason", reasons, "errcode.EndedReasons", errcode.EndedReasons)
	// check is typed with the union wherever it appears.
	src := readFile(t, dtsPath)
	for _, m := range regexp.MustCompile(`check\??:\s*([^;]+);`).FindAllStringSubmatch(src, -1) {
		if strings.TrimSpace(m[1]) != "IDTokenCheck" {
			t.Errorf("%s: check is typed %q, not IDTokenCheck", dtsPath, m[1])
		}
	}
}
