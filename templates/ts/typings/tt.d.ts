// The parts of the TikTok Minis platform object that this game uses, typed for tsc. Add members
// here as the game starts to use them (the platform's API list is in its developer docs).

declare namespace MiniGame {
  /** What a failure callback receives: the SDK's error shape, or WeChat-style errMsg on ports. */
  interface FailResult {
    error?: { error_code: number; error_msg: string; error_extra?: object };
    errMsg?: string;
  }

  interface Callbacks<T = unknown> {
    success?: (res: T) => void;
    fail?: (res: FailResult) => void;
    complete?: () => void;
  }

  interface CanvasStyle {
    left: string;
    top: string;
    width: string;
    height: string;
  }

  type TextAlign = 'left' | 'right' | 'center' | 'start' | 'end';

  interface Context2D {
    fillStyle: string;
    font: string;
    textAlign: TextAlign;
    clearRect(x: number, y: number, width: number, height: number): void;
    fillRect(x: number, y: number, width: number, height: number): void;
    fillText(text: string, x: number, y: number): void;
  }

  interface Canvas {
    width: number;
    height: number;
    getContext(kind: '2d'): Context2D;
  }

  interface SharedCanvas extends Canvas {
    style: CanvasStyle;
  }

  interface SystemInfo {
    windowWidth: number;
    windowHeight: number;
  }

  interface Touch {
    clientX: number;
    clientY: number;
  }

  interface TouchEvent {
    touches: Touch[];
    changedTouches: Touch[];
  }

  interface KeyValue {
    key: string;
    value: string;
  }

  interface FriendData {
    openid: string;
    nickname: string;
    avatarUrl: string;
    KVDataList: KeyValue[];
  }

  /** Messages game.ts posts to the open data domain: a { type } discriminated union. */
  type OpenDataMessage =
    | { type: 'showLeaderboard' }
    | { type: 'hideLeaderboard' }
    | { type: 'tap'; x: number; y: number };

  interface OpenDataContext {
    postMessage(message: OpenDataMessage): void;
  }

  interface ShareOptions extends Callbacks {
    /** Absolute https URL of a publicly reachable image. */
    imageUrl: string;
    title?: string;
    subtitle?: string;
    templateType?: 1 | 2;
  }

  interface ShareToUserOptions extends ShareOptions {
    /** A friend's openid, from getFriendCloudStorage. */
    openid: string;
  }

  interface Api {
    canIUse(schema: string): boolean;
    getSystemInfoSync(): SystemInfo;
    createCanvas(): Canvas;
    getStorageSync(key: string): unknown;
    setStorageSync(key: string, value: string): void;
    onTouchStart(listener: (event: TouchEvent) => void): void;
    getSharedCanvas(): SharedCanvas;
    setUserCloudStorage(options: Callbacks & { data: KeyValue[] }): void;
    // Main domain only.
    getOpenDataContext(): OpenDataContext;
    authorizeOpenContext(options: Callbacks<{ code: string }> & { get_status_only?: boolean }): void;
    shareAppMessage(options: ShareOptions): void;
    // Open data domain only.
    onMessage(listener: (message: OpenDataMessage) => void): void;
    getFriendCloudStorage(options: Callbacks<{ data: FriendData[] }> & { keyList: string[] }): void;
    shareToUser(options: ShareToUserOptions): void;
  }
}

declare const tt: MiniGame.Api;
