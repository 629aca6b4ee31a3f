export function PageTitle({ children }: { children: string }) {
  return <h1 className="mb-6 font-semibold text-2xl text-fg tracking-tight">{children}</h1>;
}
