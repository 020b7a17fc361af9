# expect: 68:136 nesting depth
# Blocks nested 80 deep: sakk (hcl-edit) stops at 64 levels instead of exhausting the stack.

cluster "ml-dev" {
  nested {
    nested {
      nested {
        nested {
          nested {
            nested {
              nested {
                nested {
                  nested {
                    nested {
                      nested {
                        nested {
                          nested {
                            nested {
                              nested {
                                nested {
                                  nested {
                                    nested {
                                      nested {
                                        nested {
                                          nested {
                                            nested {
                                              nested {
                                                nested {
                                                  nested {
                                                    nested {
                                                      nested {
                                                        nested {
                                                          nested {
                                                            nested {
                                                              nested {
                                                                nested {
                                                                  nested {
                                                                    nested {
                                                                      nested {
                                                                        nested {
                                                                          nested {
                                                                            nested {
                                                                              nested {
                                                                                nested {
                                                                                  nested {
                                                                                    nested {
                                                                                      nested {
                                                                                        nested {
                                                                                          nested {
                                                                                            nested {
                                                                                              nested {
                                                                                                nested {
                                                                                                  nested {
                                                                                                    nested {
                                                                                                      nested {
                                                                                                        nested {
                                                                                                          nested {
                                                                                                            nested {
                                                                                                              nested {
                                                                                                                nested {
                                                                                                                  nested {
                                                                                                                    nested {
                                                                                                                      nested {
                                                                                                                        nested {
                                                                                                                          nested {
                                                                                                                            nested {
                                                                                                                              nested {
                                                                                                                                nested {
                                                                                                                                  nested {
                                                                                                                                    nested {
                                                                                                                                      nested {
                                                                                                                                        nested {
                                                                                                                                          nested {
                                                                                                                                            nested {
                                                                                                                                              nested {
                                                                                                                                                nested {
                                                                                                                                                  nested {
                                                                                                                                                    nested {
                                                                                                                                                      nested {
                                                                                                                                                        nested {
                                                                                                                                                          nested {
                                                                                                                                                            nested {
                                                                                                                                                              nested {
                                                                                                                                                                nested {
                                                                                                                                                                }
                                                                                                                                                              }
                                                                                                                                                            }
                                                                                                                                                          }
                                                                                                                                                        }
                                                                                                                                                      }
                                                                                                                                                    }
                                                                                                                                                  }
                                                                                                                                                }
                                                                                                                                              }
                                                                                                                                            }
                                                                                                                                          }
                                                                                                                                        }
                                                                                                                                      }
                                                                                                                                    }
                                                                                                                                  }
                                                                                                                                }
                                                                                                                              }
                                                                                                                            }
                                                                                                                          }
                                                                                                                        }
                                                                                                                      }
                                                                                                                    }
                                                                                                                  }
                                                                                                                }
                                                                                                              }
                                                                                                            }
                                                                                                          }
                                                                                                        }
                                                                                                      }
                                                                                                    }
                                                                                                  }
                                                                                                }
                                                                                              }
                                                                                            }
                                                                                          }
                                                                                        }
                                                                                      }
                                                                                    }
                                                                                  }
                                                                                }
                                                                              }
                                                                            }
                                                                          }
                                                                        }
                                                                      }
                                                                    }
                                                                  }
                                                                }
                                                              }
                                                            }
                                                          }
                                                        }
                                                      }
                                                    }
                                                  }
                                                }
                                              }
                                            }
                                          }
                                        }
                                      }
                                    }
                                  }
                                }
                              }
                            }
                          }
                        }
                      }
                    }
                  }
                }
              }
            }
          }
        }
      }
    }
  }
}
