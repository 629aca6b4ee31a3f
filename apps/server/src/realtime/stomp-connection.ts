/**
 * What the broker needs from a transport (SockJS session or raw WebSocket). Both carry text, so
 * writes are strings; incoming data may be either.
 */
export interface StompConnection {
  /** For logs: transport and remote address. */
  readonly description: string;
  write(data: string): void;
  /** Graceful: data already written goes out first. */
  close(): void;
  /** At once, without a goodbye: for peers that stopped answering. */
  destroy(): void;
  onData(listener: (chunk: Buffer | string) => void): void;
  /**
   * The peer sent a message larger than the transport accepts; it was not buffered. The session
   * answers in STOMP (ERROR, then close) like any other oversized frame.
   */
  onOversized(listener: () => void): void;
  /** Fires once, however the connection ended (either side, or destroy). */
  onClose(listener: () => void): void;
  /** Bytes written but not yet handed to the OS; 0 when the transport cannot tell. */
  bufferedBytes(): number;
}
