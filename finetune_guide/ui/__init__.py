"""The only package code that imports Streamlit: state keys, cached loaders, widgets and the i18n helper."""
