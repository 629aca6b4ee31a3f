import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  // The API server serves this static export on the same origin (DESIGN §1): no Node server for Next.
  output: "export",
  // The server maps /login to out/login.html; trailing slashes would emit login/index.html instead.
  trailingSlash: false,
  // Workspace packages ship TypeScript source, so Next compiles them with the app.
  transpilePackages: ["@rapidphoto/protocol", "@rapidphoto/uploader"],
  reactStrictMode: true,
  // A static export has no image optimisation server; thumbnails come pre-sized from the API.
  images: { unoptimized: true },
  // Keep `next dev` from writing AGENTS.md into the app.
  agentRules: false,
  // The workspace packages write ESM specifiers the NodeNext way ("./auth.js" for auth.ts). Webpack maps
  // them with extensionAlias; Turbopack has no equivalent yet (vercel/next.js#82945), hence `--webpack`
  // in the build and dev scripts.
  webpack(config: { resolve: { extensionAlias?: Record<string, string[]> }; optimization?: { minimize?: boolean } }) {
    config.resolve.extensionAlias = { ".js": [".ts", ".tsx", ".js"] };
    // `npm run bench -- browser-profile` builds without minifying, so a CPU profile names our functions.
    if (process.env.RAPIDPHOTO_WEB_UNMINIFIED === "1")
      config.optimization = { ...config.optimization, minimize: false };
    return config;
  },
};

export default nextConfig;
