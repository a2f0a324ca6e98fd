// corti-auth callback page (callback.html): hands the OAuth callback in this page's URL to the tab that
// started the login, which checks state and exchanges the code (this page needs no wasm). Delivery:
// window.opener (a popup) or window.parent (restore()'s hidden iframe), always with this page's own
// origin as the exact target origin, and the same-origin BroadcastChannel "corti-auth:callback" for a
// popup whose opener a provider's Cross-Origin-Opener-Policy severed. The code and state leave the
// address bar (and history) first.
//
// A popup then waits for the opener's reply ("corti-auth:callback-reply" for its state, by the same two
// roads: a message from window.opener of this origin, or the channel) and closes itself; a reply with
// endSession first submits that form here (session.reauthenticate(): another clinician signed in, and
// their provider session ends in this window, landing back on this page with state=corti-auth-signed-out,
// which then closes). Without a reply it closes after 30 s.
(function () {
  "use strict";
  var url = location.href;
  var state = null;
  try { state = new URL(url).searchParams.get("state"); } catch (e) { /* no URL */ }
  if (state === "corti-auth-signed-out") { // back from signing another clinician out (reauthenticate): nothing to hand over
    try { history.replaceState(null, "", location.pathname); } catch (e) { /* sandboxed */ }
    if (window.parent === window) window.close();
    return;
  }
  try { history.replaceState(null, "", location.pathname); } catch (e) { /* sandboxed */ }
  var msg = { type: "corti-auth:callback", url: url };
  var origin = location.origin;
  var framed = window.parent !== window;
  try { if (window.opener && window.opener !== window) window.opener.postMessage(msg, origin); } catch (e) { /* gone */ }
  try { if (framed) window.parent.postMessage(msg, origin); } catch (e) { /* gone */ }
  var bc = null;
  try { bc = new BroadcastChannel("corti-auth:callback"); bc.postMessage(msg); } catch (e) { bc = null; }
  if (framed || !state) { // restore()'s iframe (removed by its page), or back from an end-session: nothing to wait for
    if (bc) bc.close();
    if (!framed) window.close(); // a popup closes itself; a page the user opened stays, with its text
    return;
  }
  var done = false;
  function finish(reply) {
    if (done) return;
    done = true;
    if (bc) bc.close();
    window.removeEventListener("message", onMessage);
    var end = reply && reply.endSession;
    if (end && typeof end.action === "string" && /^https?:\/\//.test(end.action) && end.fields && typeof end.fields === "object") {
      var text = document.getElementById("corti-auth-callback");
      if (text) text.textContent = "Signing the other user out…";
      var f = document.createElement("form");
      f.method = "post";
      f.action = end.action;
      f.acceptCharset = "UTF-8";
      f.hidden = true;
      Object.keys(end.fields).forEach(function (k) {
        var i = document.createElement("input");
        i.type = "hidden";
        i.name = k;
        i.value = String(end.fields[k]);
        f.appendChild(i);
      });
      document.body.appendChild(f);
      HTMLFormElement.prototype.submit.call(f);
      return;
    }
    window.close();
  }
  function ours(d) { return d && d.type === "corti-auth:callback-reply" && d.state === state; }
  function onMessage(e) {
    if (e.origin !== origin || !window.opener || e.source !== window.opener || !ours(e.data)) return;
    finish(e.data);
  }
  window.addEventListener("message", onMessage);
  if (bc) bc.onmessage = function (e) { if (ours(e.data)) finish(e.data); };
  setTimeout(function () { finish(null); }, 30000);
})();
