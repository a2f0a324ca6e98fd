// React 19 and the <corti-assistant> element: importing corti-auth/corti-assistant.js defines it; the element signs
// the clinician in (its own button), authenticates the Assistant and keeps it fresh. The app only listens.
import { createRoot } from "react-dom/client";
import { useRef, useState } from "react";
import "corti-auth/corti-assistant.js";

// Settings fixed at build time (VITE_CORTI_CLIENT_ID, VITE_CORTI_ENVIRONMENT, VITE_CORTI_TENANT; for a proxy or the
// local environment VITE_CORTI_AUTH_BASE_URL, VITE_CORTI_ASSISTANT_BASE_URL); else the local environment's /config.json.
async function settings() {
  const env = import.meta.env;
  if (env.VITE_CORTI_CLIENT_ID) {
    return {
      clientId: env.VITE_CORTI_CLIENT_ID,
      environment: env.VITE_CORTI_ENVIRONMENT || undefined,
      tenant: env.VITE_CORTI_TENANT || undefined,
      authBaseURL: env.VITE_CORTI_AUTH_BASE_URL || undefined,
      assistantBaseURL: env.VITE_CORTI_ASSISTANT_BASE_URL || undefined,
    };
  }
  return (await fetch("/config.json")).json();
}

function App({ cfg }) {
  const assistant = useRef(null);
  const [user, setUser] = useState(null);
  const [last, setLast] = useState("");
  return (
    <>
      <header>
        <h1>Patient record</h1>
        <span id="who">{user ? `Signed in as ${user}` : "Not signed in"}</span>
        {user && <button id="sign-out" type="button" onClick={() => assistant.current.logout({ navigate: false })}>Sign out</button>}
      </header>
      <p id="last-event">{last}</p>
      <div className="panel">
        <corti-assistant
          ref={assistant}
          client-id={cfg.clientId}
          environment={cfg.environment}
          tenant={cfg.tenant}
          auth-base-url={cfg.authBaseURL}
          baseurl={cfg.assistantBaseURL}
          visibility="visible"
          onsignedin={(e) => setUser(e.detail.claims.name || e.detail.claims.email)}
          onsignedout={() => setUser(null)}
          onevent={(e) => setLast(e.detail.name)}
        />
      </div>
    </>
  );
}

const cfg = await settings();
createRoot(document.getElementById("root")).render(<App cfg={cfg} />);
