import type { Metadata } from "next";
import { AuthForm } from "@/components/auth/AuthForm";
import { AuthHeading } from "@/components/auth/AuthHeading";

export const metadata: Metadata = { title: "Sign in" };

export default function LoginPage() {
  return (
    <>
      <AuthHeading title="Sign in" subtitle="Welcome back. Your photos are waiting." />
      <AuthForm mode="login" />
    </>
  );
}
