package render

import (
	"strings"
	"sync"
	"testing"
)

const rel = ` rel="nofollow noopener noreferrer"`

func a(href, text string) string { return `<a href="` + href + `"` + rel + `>` + text + `</a>` }

func TestPlainRules(t *testing.T) {
	tests := []struct {
		name, body, want string
	}{
		{"empty", "", ""},
		{"blank only", " \n\t\n  ", ""},
		{"one line", "hello", "<p>hello</p>"},
		{"escape", `a & b < c > d "e" 'f'`, `<p>a &amp; b &lt; c &gt; d &#34;e&#34; &#39;f&#39;</p>`},
		{"markup is text", "<b>bold</b>", "<p>&lt;b&gt;bold&lt;/b&gt;</p>"},
		{"entity is text", "&amp; &lt;", "<p>&amp;amp; &amp;lt;</p>"},
		{"markdown is text", "**not bold** [x](http://x.example)", `<p>**not bold** [x](` + a("http://x.example", "http://x.example") + `)</p>`},
		{"newline is br", "a\nb\nc", "<p>a<br>\nb<br>\nc</p>"},
		{"blank line is paragraph", "a\n\nb", "<p>a</p>\n<p>b</p>"},
		{"several blank lines are one break", "a\n\n\n\nb", "<p>a</p>\n<p>b</p>"},
		{"whitespace-only line is blank", "a\n  \t \nb", "<p>a</p>\n<p>b</p>"},
		{"leading and trailing blank lines", "\n\n a \n\n", "<p> a </p>"},
		{"crlf", "a\r\nb\r\n\r\nc\rd", "<p>a<br>\nb</p>\n<p>c<br>\nd</p>"},
		{"nul", "a\x00b", "<p>a\uFFFDb</p>"},
		{"invalid utf8", "a\xffb", "<p>a\uFFFDb</p>"},
		{"unicode", "héllo wörld ✓ 日本語", "<p>héllo wörld ✓ 日本語</p>"},
		{"https url", "see https://example.com/a", "<p>see " + a("https://example.com/a", "https://example.com/a") + "</p>"},
		{"http url", "http://example.com", "<p>" + a("http://example.com", "http://example.com") + "</p>"},
		{"url case", "HTTPS://Example.COM/X", "<p>" + a("https://Example.COM/X", "HTTPS://Example.COM/X") + "</p>"},
		{"www", "go to www.example.com now", "<p>go to " + a("http://www.example.com", "www.example.com") + " now</p>"},
		{"url query ampersand", "https://x.example/?a=1&b=2", "<p>" + a("https://x.example/?a=1&amp;b=2", "https://x.example/?a=1&amp;b=2") + "</p>"},
		{"trailing period", "Read https://x.example/doc.", "<p>Read " + a("https://x.example/doc", "https://x.example/doc") + ".</p>"},
		{"trailing punctuation run", "https://x.example/a?!,;:", "<p>" + a("https://x.example/a", "https://x.example/a") + "?!,;:</p>"},
		{"parenthesised", "(https://x.example/a)", "<p>(" + a("https://x.example/a", "https://x.example/a") + ")</p>"},
		{"balanced parens kept", "https://en.wikipedia.org/wiki/Go_(language)", "<p>" + a("https://en.wikipedia.org/wiki/Go_(language)", "https://en.wikipedia.org/wiki/Go_(language)") + "</p>"},
		{"quoted url", `"https://x.example"`, "<p>&#34;" + a("https://x.example", "https://x.example") + "&#34;</p>"},
		{"angle brackets", "<https://x.example>", "<p>&lt;" + a("https://x.example", "https://x.example") + "&gt;</p>"},
		{"two urls", "http://a.example http://b.example", "<p>" + a("http://a.example", "http://a.example") + " " + a("http://b.example", "http://b.example") + "</p>"},
		{"url per line", "http://a.example\nwww.b.example", "<p>" + a("http://a.example", "http://a.example") + "<br>\n" + a("http://www.b.example", "www.b.example") + "</p>"},
		{"unicode path escaped in href", "https://x.example/ö", "<p>" + a("https://x.example/%C3%B6", "https://x.example/ö") + "</p>"},
		{"not a word boundary", "xhttp://x.example foo.www.x.example", "<p>xhttp://x.example foo.www.x.example</p>"},
		{"scheme only", "http:// and https://", "<p>http:// and https://</p>"},
		{"www only", "www. and www.", "<p>www. and www.</p>"},
		{"userinfo not linked", "http://user:pw@evil.example", "<p>http://user:pw@evil.example</p>"},
		{"bad port not linked", "http://x.example:port/", "<p>http://x.example:port/</p>"},
		{"other schemes stay text", "ftp://x.example javascript:alert(1) mailto:a@b.example", "<p>ftp://x.example javascript:alert(1) mailto:a@b.example</p>"},
		{"email stays text", "write to me@x.example", "<p>write to me@x.example</p>"},
		{"script url text", `https://x.example/"><script>alert(1)</script>`, "<p>" + a("https://x.example/", "https://x.example/") + "&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;</p>"},
	}
	r := New()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := r.BodyHTML(tt.body, false)
			if got != tt.want {
				t.Errorf("BodyHTML(%q, false)\n got: %q\nwant: %q", tt.body, got, tt.want)
			}
			if pkg := BodyHTML(tt.body, false); pkg != got {
				t.Errorf("package BodyHTML differs from Renderer: %q", pkg)
			}
			checkSafe(t, tt.body, got, false)
		})
	}
}

func TestMarkdownRules(t *testing.T) {
	tests := []struct {
		name, body, want string
	}{
		{"empty", "", ""},
		{"paragraph", "hello", "<p>hello</p>"},
		{"newline is br (hard wraps)", "a\nb", "<p>a<br>\nb</p>"},
		{"paragraphs", "a\n\nb", "<p>a</p>\n<p>b</p>"},
		{"emphasis", "*a* _b_ **c** __d__ ~~e~~", "<p><em>a</em> <em>b</em> <strong>c</strong> <strong>d</strong> <del>e</del></p>"},
		{"code span escapes", "`<b>&`", "<p><code>&lt;b&gt;&amp;</code></p>"},
		{"fenced code with language", "```go\nif a < b {}\n```", "<pre><code class=\"language-go\">if a &lt; b {}\n</code></pre>"},
		{"fenced code with hostile info string", "```x\" onclick=\"alert(1)\ny\n```", "<pre><code>y\n</code></pre>"},
		{"indented code", "    x := 1", "<pre><code>x := 1\n</code></pre>"},
		{"blockquote", "> q", "<blockquote>\n<p>q</p>\n</blockquote>"},
		{"lists", "- a\n- b\n\n3. c\n4. d", "<ul>\n<li>a</li>\n<li>b</li>\n</ul>\n<ol start=\"3\">\n<li>c</li>\n<li>d</li>\n</ol>"},
		{"headings and rule", "# One\n###### Six\n\n---", "<h1>One</h1>\n<h6>Six</h6>\n<hr>"},
		{"table", "| a | b |\n|:-|-:|\n| 1 | 2 |", "<table>\n<thead>\n<tr>\n<th align=\"left\">a</th>\n<th align=\"right\">b</th>\n</tr>\n</thead>\n<tbody>\n<tr>\n<td align=\"left\">1</td>\n<td align=\"right\">2</td>\n</tr>\n</tbody>\n</table>"},
		{"link", "[Go](https://go.dev)", "<p>" + a("https://go.dev", "Go") + "</p>"},
		{"link title dropped", `[Go](https://go.dev "The title")`, "<p>" + a("https://go.dev", "Go") + "</p>"},
		{"mailto link", "[mail](mailto:a@b.example)", "<p>" + a("mailto:a@b.example", "mail") + "</p>"},
		{"javascript link is text", "[x](javascript:alert(1))", "<p>x</p>"},
		{"relative link is text", "[x](/path)", "<p>x</p>"},
		{"protocol-relative link is text", "[x](//evil.example)", "<p>x</p>"},
		{"reference link", "[x][r]\n\n[r]: https://r.example", "<p>" + a("https://r.example", "x") + "</p>"},
		{"autolink", "<https://x.example>", "<p>" + a("https://x.example", "https://x.example") + "</p>"},
		{"email autolink", "<a@b.example>", "<p>" + a("mailto:a@b.example", "a@b.example") + "</p>"},
		{"javascript autolink is text", "<javascript:alert(1)>", "<p>javascript:alert(1)</p>"},
		{"linkify url", "see https://x.example/a.", "<p>see " + a("https://x.example/a", "https://x.example/a") + ".</p>"},
		{"linkify www", "www.x.example", "<p>" + a("http://www.x.example", "www.x.example") + "</p>"},
		{"linkify email", "me@x.example", "<p>" + a("mailto:me@x.example", "me@x.example") + "</p>"},
		{"linkify skips ftp", "ftp://x.example", "<p>ftp://x.example</p>"},
		{"image becomes link", "![logo](https://x.example/l.png)", "<p>" + a("https://x.example/l.png", "logo") + "</p>"},
		{"image without alt shows url", "![](https://x.example/l.png)", "<p>" + a("https://x.example/l.png", "https://x.example/l.png") + "</p>"},
		{"unsafe image shows alt", "![alt](javascript:alert(1))", "<p>alt</p>"},
		{"image in link does not nest anchors", "[![i](https://x.example/i.png)](https://l.example)", "<p>" + a("https://l.example", "i") + "</p>"},
		{"inline html is text", "a <b onclick=\"x\">b</b>", "<p>a &lt;b onclick=&#34;x&#34;&gt;b&lt;/b&gt;</p>"},
		{"html block is text", "<div>\n<script>alert(1)</script>\n</div>", "<p>&lt;div&gt;<br>\n&lt;script&gt;alert(1)&lt;/script&gt;<br>\n&lt;/div&gt;</p>"},
		{"html comment is text", "<!-- hi -->", "<p>&lt;!-- hi --&gt;</p>"},
		{"entities", "&copy; &amp; &#60;", "<p>© &amp; &lt;</p>"},
	}
	r := New()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := r.BodyHTML(tt.body, true)
			if got != tt.want {
				t.Errorf("BodyHTML(%q, true)\n got: %q\nwant: %q", tt.body, got, tt.want)
			}
			checkSafe(t, tt.body, got, true)
		})
	}
}

// TestPlainIdempotent: on safe text the plain rules escape exactly once — the sanitizer
// changes nothing in their output, sanitizing again changes nothing, and the text a browser
// shows is the text that was typed.
func TestPlainIdempotent(t *testing.T) {
	texts := []string{
		"hello",
		"Fish & Chips",
		"5 < 6 > 4",
		`She said "hi" and 'bye'`,
		"&amp; is how you write &",
		"&lt;b&gt; is not bold",
		"line one\nline two\n\nparagraph two",
		"see https://example.com/?a=1&b=2 and www.example.org.",
		"1 + 1 = 2; 100% sure #hashtag @mention",
		"emoji 😀 and ünïcödé",
		"  indented\n\ttabbed",
	}
	r := New()
	policy := PlainPolicy()
	for _, text := range texts {
		raw := renderPlain(cleanInput(text))
		out := r.BodyHTML(text, false)
		if out != raw {
			t.Errorf("%q: sanitizer changed plain output\nraw: %q\nout: %q", text, raw, out)
		}
		if again := policy.Sanitize(out); again != out {
			t.Errorf("%q: sanitizing again changed output\nout:   %q\nagain: %q", text, out, again)
		}
		if twice := r.BodyHTML(text, false); twice != out {
			t.Errorf("%q: not deterministic", text)
		}
		if got, want := shownText(t, out), normalizedPlain(text); got != want {
			t.Errorf("%q: shown text %q, want %q (double or missing escaping)", text, got, want)
		}
		if strings.Contains(out, "&amp;amp;") && !strings.Contains(text, "&amp;") {
			t.Errorf("%q: double escaped: %q", text, out)
		}
	}
}

func TestSafeHref(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"https://x.example/a?b=c#d", "https://x.example/a?b=c#d", true},
		{"HTTP://X.example", "http://X.example", true},
		{" http://x.example ", "http://x.example", true},
		{"mailto:a@b.example", "mailto:a@b.example", true},
		{"mailto:", "", false},
		{"mailto:/x", "", false},
		{"http:/x", "", false},
		{"http://", "", false},
		{"//x.example", "", false},
		{"/rel", "", false},
		{"javascript:alert(1)", "", false},
		{"JavaScript:alert(1)", "", false},
		{"java\tscript:alert(1)", "", false},
		{"data:text/html,x", "", false},
		{"vbscript:x", "", false},
		{"http://u:p@x.example", "", false},
		{"http://x.example/a b", "", false},
		{"http://x.example/\x01", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		got, ok := safeHref(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("safeHref(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestNesting(t *testing.T) {
	tests := []struct {
		line string
		want int
	}{
		{"", 0}, {"text", 0}, {"> q", 1}, {">>> q", 3}, {"> > q", 2}, {"- a", 1}, {"-a", 0},
		{"- - - x", 3}, {"* + - x", 3}, {"1. a", 1}, {"1) 2. a", 2}, {"1.5 a", 0}, {"1234567890. a", 0},
		{"  > - 3. x", 3}, {"-", 1}, {"> -", 2}, {"**bold**", 0}, {"---", 0},
	}
	for _, tt := range tests {
		if got := nesting(tt.line); got != tt.want {
			t.Errorf("nesting(%q) = %d, want %d", tt.line, got, tt.want)
		}
	}
}

func TestDeepMarkdownFallsBackToPlain(t *testing.T) {
	r := New()
	ok := strings.Repeat("> ", MaxMarkdownNesting) + "x"
	if got := r.BodyHTML(ok, true); !strings.HasPrefix(got, "<blockquote>") {
		t.Errorf("%d levels should render as Markdown: %.80q", MaxMarkdownNesting, got)
	}
	for _, body := range []string{
		strings.Repeat("> ", MaxMarkdownNesting+1) + "x",
		"fine\n\n" + strings.Repeat("- ", 10000) + "x",
		strings.Repeat(">", 20000),
		strings.Repeat("1. ", 6000) + "x",
	} {
		got := r.BodyHTML(body, true)
		if want := r.BodyHTML(body, false); got != want {
			t.Errorf("deep body %.40q: got %.80q, want the plain rendering %.80q", body, got, want)
		}
		checkSafe(t, body, got, true)
	}
}

func TestConcurrentUse(t *testing.T) {
	r := New()
	want := [2]string{r.BodyHTML(sampleMessage, false), r.BodyHTML(sampleMessage, true)}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for range 50 {
				md := i%2 == 1
				got := r.BodyHTML(sampleMessage, md)
				if md && got != want[1] || !md && got != want[0] {
					t.Errorf("concurrent render differs: %q", got)
					return
				}
			}
		})
	}
	wg.Wait()
}

// sampleMessage is a typical chat message of about 300 characters (304).
const sampleMessage = "Hi Anna,\n\nthanks for the details. I checked your account and the refund for " +
	"order #48213 was issued on Monday; it usually takes 3-5 business days to show up. " +
	"You can track it at https://example.com/orders/48213 or see **our FAQ** at www.example.com/faq.\n\n" +
	"Anything else I can help with?\n\nKind regards, Tom"

func BenchmarkBodyHTML(b *testing.B) {
	r := New()
	for _, mode := range []struct {
		name string
		md   bool
	}{{"plain", false}, {"markdown", true}} {
		b.Run(mode.name, func(b *testing.B) {
			b.SetBytes(int64(len(sampleMessage)))
			b.ReportAllocs()
			for b.Loop() {
				_ = r.BodyHTML(sampleMessage, mode.md)
			}
		})
	}
}
