"""The `jamfor` command line: thin skins that parse options, call one library function and print."""
