# CMake generated Testfile for 
# Source directory: /work/main
# Build directory: /work/main/build/me
# 
# This file includes the relevant testing commands required for 
# testing this directory and lists subdirectories to be tested as well.
subdirs("base")
subdirs("wire")
subdirs("backend")
subdirs("loadgen")
subdirs("assertions")
subdirs("reports")
subdirs("scenarios")
subdirs("cli")
subdirs("tests")
