import type { IStompSocket } from "@stomp/stompjs";

/**
 * @stomp/stompjs (7.5, the latest) parses every incoming frame one byte at a time: a text frame is
 * encoded to bytes, each byte goes through a state function and is pushed onto an array, and the
 * body is decoded back into a string. It has no faster path for text. At 1,000 files that was about
 * as much script as everything the page then did with the pushes (bench/results/browser-perf-log.md).
 *
 * This wraps the socket stompjs reads: a text chunk that is exactly one whole MESSAGE frame (how our
 * broker writes them, one frame per write) for a subscription the client knows is handed to
 * `deliver` with its body sliced out of the string; stompjs then sees an empty chunk, which only
 * tells it the server is alive (its heart-beat watch). Everything else — CONNECTED, RECEIPT, ERROR,
 * heart-beats, frames split over chunks or several in one, escaped headers, binary data — goes to
 * stompjs untouched. A chunk is only taken while stompjs' parser is between frames, i.e. every
 * chunk it was given so far ended at the end of a frame.
 */
export function withFastMessages(
  socket: IStompSocket,
  /** Takes the body of a MESSAGE for `subscription`; false when it does not know the subscription. */
  deliver: (subscription: string, body: string) => boolean,
): IStompSocket {
  let stompOnMessage: ((event: { data?: string | ArrayBuffer }) => void) | null | undefined = null;
  let betweenFrames = true;
  /**
   * stompjs sets its handler once; setting another (a no-op when it discards the socket) or closing
   * means this socket's frames are no longer wanted, and the next socket's subscription ids start
   * over: nothing more is delivered past stompjs from here.
   */
  let live = true;
  let handlersSet = 0;

  socket.onmessage = (event: { data?: string | ArrayBuffer }) => {
    const { data } = event;
    if (live && betweenFrames && typeof data === "string") {
      const message = wholeMessage(data);
      if (message && deliver(message.subscription, message.body)) {
        stompOnMessage?.({ data: "" });
        return;
      }
    }
    betweenFrames = typeof data === "string" ? endsBetweenFrames(data, betweenFrames) : false;
    stompOnMessage?.(event);
  };

  // stompjs sets the handlers and calls the methods on the object it is given; all but onmessage
  // are the socket's own (augmentWebsocket adds `terminate` here, which calls close and onclose).
  return {
    get url() {
      return socket.url;
    },
    get readyState() {
      return socket.readyState;
    },
    get binaryType() {
      return socket.binaryType;
    },
    set binaryType(value) {
      socket.binaryType = value;
    },
    get onopen() {
      return socket.onopen;
    },
    set onopen(handler) {
      socket.onopen = handler;
    },
    get onclose() {
      return socket.onclose;
    },
    set onclose(handler) {
      socket.onclose = handler;
    },
    get onerror() {
      return socket.onerror;
    },
    set onerror(handler) {
      socket.onerror = handler;
    },
    get onmessage() {
      return stompOnMessage;
    },
    set onmessage(handler) {
      if (++handlersSet > 1) live = false;
      stompOnMessage = handler;
    },
    close: () => {
      live = false;
      socket.close();
    },
    send: (data) => socket.send(data),
  };
}

const MESSAGE_START = "MESSAGE\n";

/**
 * The subscription and body of a chunk that is exactly one MESSAGE frame, or null. Bodies are JSON,
 * which cannot hold a raw NUL, so the frame's only NUL is its last character. A header value with
 * a backslash (escaping) is left to stompjs.
 */
export function wholeMessage(chunk: string): { subscription: string; body: string } | null {
  if (!chunk.startsWith(MESSAGE_START) || chunk.indexOf("\0") !== chunk.length - 1) return null;
  const headEnd = chunk.indexOf("\n\n", MESSAGE_START.length - 1);
  if (headEnd < 0) return null;
  let subscription: string | undefined;
  for (const line of chunk.slice(MESSAGE_START.length, headEnd).split("\n")) {
    if (line.includes("\\") || line.includes("\r")) return null;
    // STOMP 1.2: the first of repeated headers counts.
    if (subscription === undefined && line.startsWith("subscription:")) subscription = line.slice(13);
  }
  if (subscription === undefined) return null;
  return { subscription, body: chunk.slice(headEnd + 2, -1) };
}

/** Whether stompjs' parser is between frames after `chunk`: it ends a frame, or is only heart-beat EOLs. */
function endsBetweenFrames(chunk: string, before: boolean): boolean {
  let end = chunk.length;
  while (end > 0 && (chunk[end - 1] === "\n" || chunk[end - 1] === "\r")) end--;
  return end === 0 ? before : chunk[end - 1] === "\0";
}
