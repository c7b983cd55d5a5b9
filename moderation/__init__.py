"""The judgement floor: plain inputs in, a Decision out. No SQL, no HTTP."""
