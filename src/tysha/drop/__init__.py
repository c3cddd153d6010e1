"""drop"""
