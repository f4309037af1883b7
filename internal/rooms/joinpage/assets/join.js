// keyward room client: joins with the token in ?token=, publishes what the
// role allows, and shows every remote peer in a <video data-peer="USER_ID">
// tile. The signal protocol is internal/rooms/signal.md.
"use strict";

(function () {
  const $ = (id) => document.getElementById(id);
  const state = {
    ws: null,
    pc: null,
    self: null,
    caps: {},
    peers: new Map(), // peer_id → {peer_id, user_id, role}
    local: null,
    localReady: null,
    resume: "",
    closedOnPurpose: false,
    sdps: [], // every description exchanged, for the loopback guard of the tests
    candidates: [], // every candidate trickled either way
  };
  window.keyward = state; // for tests and the curious

  const params = new URLSearchParams(location.search);
  const token = params.get("token") || params.get("access_token") || "";
  if (token) {
    params.delete("token");
    params.delete("access_token");
    const rest = params.toString();
    history.replaceState(null, "", location.pathname + (rest ? "?" + rest : ""));
  }

  function status(text, isError) {
    const el = $("status");
    el.textContent = text;
    el.className = isError ? "error" : "";
  }

  function send(msg) {
    if (state.ws && state.ws.readyState === WebSocket.OPEN) {
      state.ws.send(JSON.stringify(msg));
    }
  }

  // ---- joining ----

  async function validate() {
    const res = await fetch("/rtc/validate", { headers: { Authorization: "Bearer " + token } });
    if (res.ok) return true;
    let code = "HTTP_" + res.status, msg = res.statusText;
    try {
      const env = await res.json();
      code = env.params.err || code;
      msg = env.params.errmsg || msg;
    } catch (e) { /* not an envelope */ }
    status("Cannot join: " + code + ": " + msg, true);
    return false;
  }

  function connect(query) {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    const ws = new WebSocket(scheme + "//" + location.host + "/rtc?" + query);
    state.ws = ws;
    ws.onmessage = (ev) => {
      let msg;
      try { msg = JSON.parse(ev.data); } catch (e) { return; }
      const h = handlers[msg.type];
      if (h) h(msg);
    };
    ws.onclose = (ev) => {
      if (state.closedOnPurpose) return;
      const ended = { 4001: "You were removed from the room.", 4002: "The room has ended.", 4003: "You were not let in.", 4004: "You joined from somewhere else.", 4401: "Your token is no longer valid." }[ev.code];
      if (ended) {
        status(ended, true);
        teardown();
        return;
      }
      if (state.resume) {
        status("Connection lost; reconnecting…");
        const r = state.resume;
        state.resume = "";
        teardownMedia();
        setTimeout(() => connect("resume=" + encodeURIComponent(r)), 500);
        return;
      }
      status("Disconnected (" + ev.code + ").", true);
      teardown();
    };
  }

  // ---- media ----

  function newPC() {
    const pc = new RTCPeerConnection({ iceServers: [] });
    pc.onicecandidate = (ev) => {
      if (ev.candidate) {
        state.candidates.push(ev.candidate.candidate);
        send({ type: "candidate", candidate: ev.candidate.toJSON() });
      }
    };
    pc.ontrack = (ev) => {
      const stream = ev.streams[0];
      if (!stream) return;
      const tile = tileFor(stream.id);
      const video = tile.querySelector("video");
      if (video.srcObject !== stream) video.srcObject = stream;
      video.play().catch(() => {});
      stream.onremovetrack = () => {
        if (stream.getTracks().length === 0) video.srcObject = null;
      };
    };
    state.pc = pc;
    return pc;
  }

  async function onOffer(msg) {
    if (state.localReady) await state.localReady;
    const pc = state.pc || newPC();
    state.sdps.push(msg.sdp);
    await pc.setRemoteDescription({ type: "offer", sdp: msg.sdp });
    if (state.local) {
      const have = new Set(pc.getSenders().map((s) => s.track).filter(Boolean));
      for (const t of state.local.getTracks()) {
        if (!have.has(t)) pc.addTrack(t, state.local);
      }
    }
    const answer = await pc.createAnswer();
    await pc.setLocalDescription(answer);
    state.sdps.push(pc.localDescription.sdp);
    send({ type: "answer", sdp: pc.localDescription.sdp });
  }

  async function startLocal() {
    const c = state.caps;
    if (!c.publish_audio && !c.publish_video) return;
    try {
      state.local = await navigator.mediaDevices.getUserMedia({ audio: !!c.publish_audio, video: !!c.publish_video });
    } catch (e) {
      status("No camera or microphone: " + e.message, true);
      return;
    }
    const fig = document.createElement("figure");
    fig.dataset.self = "";
    const v = document.createElement("video");
    v.muted = true;
    v.autoplay = true;
    v.playsInline = true;
    v.srcObject = state.local;
    fig.append(v, caption(state.self, "(you)"));
    $("tiles").prepend(fig);
    if (c.publish_audio) $("mic").hidden = false;
    if (c.publish_video) $("cam").hidden = false;
  }

  function toggle(kind, button, onText, offText) {
    if (!state.local) return;
    const tracks = kind === "audio" ? state.local.getAudioTracks() : state.local.getVideoTracks();
    const muted = tracks.length > 0 && tracks[0].enabled;
    tracks.forEach((t) => { t.enabled = !muted; });
    button.textContent = muted ? onText : offText;
    send({ type: "mute", kind: kind, muted: muted });
  }

  // ---- tiles ----

  function caption(peer, extra) {
    const cap = document.createElement("figcaption");
    const name = document.createElement("span");
    name.className = "name";
    name.textContent = peer.user_id + (extra ? " " + extra : "");
    const role = document.createElement("span");
    role.className = "role";
    role.textContent = peer.role;
    const muted = document.createElement("span");
    muted.className = "muted";
    cap.append(name, role, muted);
    return cap;
  }

  function tileFor(peerID) {
    let fig = document.querySelector('figure[data-peer-id="' + CSS.escape(peerID) + '"]');
    if (fig) return fig;
    const peer = state.peers.get(peerID) || { peer_id: peerID, user_id: peerID, role: "" };
    fig = document.createElement("figure");
    fig.dataset.peerId = peerID;
    const v = document.createElement("video");
    v.dataset.peer = peer.user_id;
    v.autoplay = true;
    v.playsInline = true;
    const cap = caption(peer);
    if (state.caps.mute) {
      const b = document.createElement("button");
      b.type = "button";
      b.textContent = "Mute";
      b.onclick = () => send({ type: "mute_peer", peer_id: peerID, kind: "audio" });
      cap.append(b);
    }
    if (state.caps.remove) {
      const b = document.createElement("button");
      b.type = "button";
      b.className = "danger";
      b.textContent = "Remove";
      b.onclick = () => send({ type: "remove", peer_id: peerID, reason: "removed by a moderator" });
      cap.append(b);
    }
    fig.append(v, cap);
    $("tiles").append(fig);
    return fig;
  }

  function dropTile(peerID) {
    const fig = document.querySelector('figure[data-peer-id="' + CSS.escape(peerID) + '"]');
    if (fig) fig.remove();
  }

  function showMuted(peerID, kind, muted) {
    const fig = document.querySelector('figure[data-peer-id="' + CSS.escape(peerID) + '"]');
    if (!fig) return;
    const el = fig.querySelector(".muted");
    const set = new Set((el.dataset.kinds || "").split(" ").filter(Boolean));
    if (muted) set.add(kind); else set.delete(kind);
    el.dataset.kinds = [...set].join(" ");
    el.textContent = set.size ? "muted: " + [...set].join(", ") : "";
  }

  function addWaiting(peer) {
    const li = document.createElement("li");
    li.dataset.peerId = peer.peer_id;
    li.textContent = peer.user_id + " ";
    const yes = document.createElement("button");
    yes.textContent = "Admit";
    yes.onclick = () => { send({ type: "admit", peer_id: peer.peer_id, allow: true }); li.remove(); };
    const no = document.createElement("button");
    no.textContent = "Deny";
    no.onclick = () => { send({ type: "admit", peer_id: peer.peer_id, allow: false }); li.remove(); };
    li.append(yes, no);
    $("waiting").append(li);
    $("lobby").hidden = false;
  }

  function addMessage(from, message) {
    const li = document.createElement("li");
    const who = state.peers.get(from);
    li.textContent = (who ? who.user_id : from || "server") + ": " + (typeof message === "string" ? message : JSON.stringify(message));
    $("messages").append(li);
  }

  // ---- protocol ----

  const handlers = {
    joined(msg) {
      state.self = msg.self;
      state.caps = msg.self.capabilities || {};
      state.resume = msg.resume_token || "";
      $("room-name").textContent = msg.room.name || msg.room.id;
      $("self").textContent = msg.self.user_id + " · " + msg.self.role;
      status("In the room.");
      for (const p of msg.peers || []) state.peers.set(p.peer_id, p);
      for (const p of msg.waiting || []) addWaiting(p);
      if (state.caps.end_room) $("end").hidden = false;
      if (state.caps.message) $("chat").hidden = false;
      state.localReady = startLocal();
    },
    peer_joined(msg) { state.peers.set(msg.peer.peer_id, msg.peer); },
    peer_left(msg) { state.peers.delete(msg.peer_id); dropTile(msg.peer_id); },
    waiting(msg) { status("Waiting for a moderator to let you in…"); },
    entry_requested(msg) { addWaiting(msg.peer); },
    entry_responded(msg) {
      const li = document.querySelector('#waiting li[data-peer-id="' + CSS.escape(msg.peer_id) + '"]');
      if (li) li.remove();
    },
    offer(msg) { onOffer(msg).catch((e) => status("Media negotiation failed: " + e.message, true)); },
    candidate(msg) {
      if (!state.pc || !msg.candidate) return;
      state.candidates.push(msg.candidate.candidate);
      state.pc.addIceCandidate(msg.candidate).catch(() => {});
    },
    track_published(msg) { showMuted(msg.peer_id, msg.track.source, msg.track.muted); },
    track_unpublished(msg) {},
    muted(msg) {
      showMuted(msg.peer_id, msg.kind, msg.muted);
      if (state.self && msg.peer_id === state.self.peer_id && state.local && msg.muted) {
        const tracks = msg.kind === "audio" ? state.local.getAudioTracks() : state.local.getVideoTracks();
        tracks.forEach((t) => { t.enabled = false; });
      }
    },
    message(msg) { addMessage(msg.from, msg.message); },
    pong(msg) { if (msg.resume_token) state.resume = msg.resume_token; },
    error(msg) { status(msg.code + ": " + msg.message, true); },
    leave(msg) { status("Left the room: " + msg.reason, !msg.can_reconnect); if (!msg.can_reconnect) state.resume = ""; },
  };

  function teardownMedia() {
    if (state.pc) state.pc.close();
    state.pc = null;
    document.querySelectorAll("figure[data-peer-id]").forEach((f) => f.remove());
  }

  function teardown() {
    teardownMedia();
    if (state.local) state.local.getTracks().forEach((t) => t.stop());
    document.querySelectorAll("figure[data-self]").forEach((f) => f.remove());
  }

  // ---- controls ----

  $("mic").onclick = () => toggle("audio", $("mic"), "Unmute microphone", "Mute microphone");
  $("cam").onclick = () => toggle("video", $("cam"), "Turn camera on", "Turn camera off");
  $("leave").onclick = () => { state.closedOnPurpose = true; send({ type: "leave" }); teardown(); status("You left the room."); };
  $("end").onclick = () => { if (confirm("End the room for everyone?")) send({ type: "end_room", reason: "ended by a moderator", lock: false }); };
  $("send").onsubmit = (ev) => {
    ev.preventDefault();
    const text = $("text").value.trim();
    if (!text) return;
    send({ type: "message", message: text });
    addMessage(state.self ? state.self.peer_id : "", text);
    $("text").value = "";
  };
  setInterval(() => send({ type: "ping" }), 20000);

  (async function main() {
    if (!token) {
      status("This page needs a token: /rooms/join?token=TOKEN (an app or apikey token).", true);
      return;
    }
    if (await validate()) connect("access_token=" + encodeURIComponent(token));
  })();
})();
