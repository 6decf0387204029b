"""The local LLM helper: one client for Ollama and OpenAI-compatible servers, background jobs, and the script
helper's tasks (draft, revise, shot list).
"""
