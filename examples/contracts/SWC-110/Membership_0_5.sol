// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.5.0;

/// @title Membership
/// @notice Sells club memberships for a fixed fee. The fee is validated with
///         `assert`, so any caller sending the wrong amount trips an invariant check.
contract Membership {
    uint256 public constant FEE = 0.1 ether;
    address payable public owner;
    mapping(address => bool) public isMember;

    event Joined(address indexed member);

    constructor() public {
        owner = msg.sender;
    }

    function join() public payable {
        require(!isMember[msg.sender], "already a member");
        assert(msg.value == FEE); // SWC-110
        isMember[msg.sender] = true;
        emit Joined(msg.sender);
    }

    function collect() public {
        require(msg.sender == owner, "not owner");
        owner.transfer(address(this).balance);
    }
}
