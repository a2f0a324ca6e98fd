//go:build js && wasm

package bridge

import (
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/hack-pad/safejs"
)

// interfaceMembers reads the member names of interface name in the .d.ts
// source: the lines at two spaces of indentation between its opening line and
// its closing brace (doc comments and overloads skipped or merged).
func interfaceMembers(t *testing.T, dts, name string) []string {
	t.Helper()
	body := regexp.MustCompile(`(?s)\nexport interface ` + name + ` \{\n(.*?)\n\}\n`).FindStringSubmatch(dts)
	if body == nil {
		t.Fatalf("no interface %s in corti-auth.d.ts", name)
	}
	seen := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^  (?:readonly )?([A-Za-z_]\w*)\??[(<:]`).FindAllStringSubmatch(body[1], -1) {
		seen[m[1]] = true
	}
	var out []string
	for k := range seen {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// runtimeMembers lists the property names of v and its prototypes (Object's
// own excepted): what a page can reach on the object.
func runtimeMembers(t *testing.T, v safejs.Value) []string {
	t.Helper()
	fn, _ := safejs.Global().Get("Function")
	names, err := fn.New("o", `const s = new Set();
	for (let p = o; p && p !== Object.prototype; p = Object.getPrototypeOf(p))
		for (const n of Object.getOwnPropertyNames(p)) if (n !== "constructor") s.add(n);
	return [...s].sort().join(",");`)
	if err != nil {
		t.Fatal(err)
	}
	r, err := names.Invoke(v)
	if err != nil {
		t.Fatal(err)
	}
	s, _ := r.String()
	return strings.Split(s, ",")
}

// TestRuntimeMembersAreTheTypes: each object the module hands a page has
// exactly the members its interface in web/types/corti-auth.d.ts declares —
// none missing (a typed call that throws), none extra (an undocumented API a
// page may come to rely on).
func TestRuntimeMembersAreTheTypes(t *testing.T) {
	src, err := os.ReadFile("../web/types/corti-auth.d.ts")
	if err != nil {
		t.Fatal(err)
	}
	dts := string(src)
	cl, s, a := mountedAssistant(t)
	for _, c := range []struct {
		iface string
		obj   safejs.Value
	}{
		{"CortiAuth", Namespace("test")},
		{"Client", cl},
		{"Session", s},
		{"Assistant", a},
	} {
		want := interfaceMembers(t, dts, c.iface)
		got := runtimeMembers(t, c.obj)
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("%s: runtime members %v\n.d.ts members %v", c.iface, got, want)
		}
	}
}

// TestEveryMemberReachesGo: each method and getter of the loader's classes
// (web/loader/core.js, KINDS) has its entry in the Go table of the object
// (objects.go), and the table has no entry the page cannot reach — a member
// without one would answer "no such method" at its first call.
func TestEveryMemberReachesGo(t *testing.T) {
	fn, _ := safejs.Global().Get("Function")
	calls, err := fn.New("o", `const out = [];
	for (const n of Object.getOwnPropertyNames(o)) {
		const d = Object.getOwnPropertyDescriptor(o, n);
		if (d.get || typeof d.value === "function") out.push(n);
	}
	return out.sort().join(",");`)
	if err != nil {
		t.Fatal(err)
	}
	cl, s, a := mountedAssistant(t)
	for kind, obj := range map[string]safejs.Value{"CortiAuth": Namespace("test"), "Client": cl, "Session": s, "Assistant": a} {
		r, err := calls.Invoke(obj)
		if err != nil {
			t.Fatal(err)
		}
		got := jsString(r)
		var want []string
		handles.mu.Lock()
		if e := handles.m[handleOf(obj)]; e != nil {
			for name := range e.ms {
				want = append(want, name)
			}
		}
		handles.mu.Unlock()
		sort.Strings(want)
		if got != strings.Join(want, ",") {
			t.Errorf("%s: the class's methods and getters %s\nGo's table %v", kind, got, want)
		}
	}
}

// TestMemberKindsMatchGo: each member is of the same kind in the loader's
// table (KINDS) and in Go's: an async method has an async entry (else its
// Promise would never settle), a sync one, close, destroy and on a sync entry,
// a getter a get entry.
func TestMemberKindsMatchGo(t *testing.T) {
	src, err := os.ReadFile("../web/loader/core.js")
	if err != nil {
		t.Fatal(err)
	}
	fn, _ := safejs.Global().Get("Function")
	mk, err := fn.New(string(src) + `
const out = [];
for (const [kind, s] of Object.entries(KINDS)) {
	for (const m of s.async || []) out.push(kind + " " + m + " async");
	for (const m of [...(s.sync || []), ...(s.ends ? [s.ends] : []), ...(s.on ? ["on"] : [])]) out.push(kind + " " + m + " sync");
	for (const m of s.getters || []) out.push(kind + " " + m + " get");
}
return out.join("\n");`)
	if err != nil {
		t.Fatal(err)
	}
	r, err := mk.Invoke()
	if err != nil {
		t.Fatal(err)
	}
	cl, s, a := mountedAssistant(t)
	objs := map[string]safejs.Value{"CortiAuth": Namespace("test"), "Client": cl, "Session": s, "Assistant": a}
	tables := map[string]methods{}
	for kind, obj := range objs {
		h := handleOf(obj)
		handles.mu.Lock()
		if e := handles.m[h]; e != nil {
			tables[kind] = e.ms
		}
		handles.mu.Unlock()
	}
	for _, line := range strings.Split(jsString(r), "\n") {
		f := strings.Fields(line)
		kind, name, want := f[0], f[1], f[2]
		m, ok := tables[kind][name]
		if !ok {
			t.Errorf("%s.%s: no Go entry", kind, name)
			continue
		}
		got := ""
		switch {
		case m.async != nil:
			got = "async"
		case m.sync != nil:
			got = "sync"
		case m.get != nil:
			got = "get"
		}
		if got != want {
			t.Errorf("%s.%s: %s in the loader, %s in Go", kind, name, want, got)
		}
	}
}
