"""Test helpers for pitchlake and its plugin authors: real servers on 127.0.0.1, never mocks."""
